"""The `planner user …` and `planner publish` parsers; the work is in planner/access/commands.py, imported only when
one of them runs (so that other commands do not load argon2 and the store)."""

from __future__ import annotations

import argparse


def _user(args: argparse.Namespace) -> int:
    from planner.access.commands import user

    return user(args)


def _publish(args: argparse.Namespace) -> int:
    from planner.access.commands import publish

    return publish(args)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """The `user` and `publish` subcommands (called from planner.cli.build_parser)."""
    p = sub.add_parser("user", help="accounts / 账户管理")
    users = p.add_subparsers(dest="user_command", required=True)
    q = users.add_parser("add", help="create an account (password from stdin or a prompt) / 创建账户")
    q.add_argument("name")
    q.add_argument("--role", required=True, help="admin | organizer | unit | cadre | inspector")
    q.add_argument("--scope", default=None, help="unit id (role unit) or cadre id (role cadre) / 单位或干部编号")
    users.add_parser("list", help="list accounts / 列出账户")
    q = users.add_parser("remove", help="remove an account / 删除账户")
    q.add_argument("name")
    q = users.add_parser("passwd", help="change a password (unlocks) / 修改密码")
    q.add_argument("name")
    q = users.add_parser("import", help="accounts from a CSV of people / 从 CSV 批量创建账户")
    q.add_argument("file")
    p.set_defaults(func=_user)
    p = sub.add_parser("publish", help="publish a stored version / 发布计划版本")
    p.add_argument("scenario")
    p.add_argument("version", help="number or latest")
    p.set_defaults(func=_publish)
