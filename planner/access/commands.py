"""What `planner user add|list|remove|passwd|import` and `planner publish` do (parsers: planner/access/cli.py).

Passwords are never command-line arguments (they would stay in the shell history and in `ps`): they are read from
standard input when it is not a terminal (one line), else asked twice with getpass. `user import` reads a CSV of
people; a row without a password gets a generated one, printed once. Bad input exits 2 and writes nothing.
"""

from __future__ import annotations

import argparse
import csv
import getpass
import io
import os
import secrets
import sys
import unicodedata
from pathlib import Path

from planner.access.accounts import AccountError, Accounts
from planner.access.roles import ROLES
from planner.store.api import StoreError, open_store

EXIT_OK, EXIT_BAD_INPUT = 0, 2
GENERATED_BYTES = 9          # secrets.token_urlsafe(9): 12 characters
IMPORT_COLUMNS = {"name": ("name", "姓名", "账户", "账户名"), "role": ("role", "角色"),
                  "scope": ("scope", "范围", "单位或干部编号"), "password": ("password", "初始密码", "密码")}


def _say(args: argparse.Namespace, zh: str, en: str) -> str:
    return zh if getattr(args, "lang", "zh") == "zh" else en


def actor() -> str:
    """Who runs the command (the audit trail's actor): PLANNER_USER, else the login name."""
    return os.environ.get("PLANNER_USER") or os.environ.get("USER") or "cli"


def read_password(args: argparse.Namespace) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(_say(args, "密码：", "Password: "))
    second = getpass.getpass(_say(args, "再输入一次：", "Repeat: "))
    if first != second:
        raise AccountError("两次输入的密码不一致", "the two passwords differ")
    return first


def _accounts() -> Accounts:
    return Accounts(open_store().engine)


def _fail(args: argparse.Namespace, exc: StoreError) -> int:
    print(exc.render(getattr(args, "lang", "zh")), file=sys.stderr)
    return EXIT_BAD_INPUT


def user(args: argparse.Namespace) -> int:
    try:
        return {"add": _add, "list": _list, "remove": _remove, "passwd": _passwd, "import": _import}[
            args.user_command](args)
    except StoreError as exc:
        return _fail(args, exc)


def _pad(text: str, width: int) -> str:
    """Pad to a display width (Chinese characters take two columns in a terminal)."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _warn_unknown_scopes(args: argparse.Namespace, rows: list[tuple[str, str | None, str | None]]) -> None:
    """A scope id the published plan does not know is accepted (the plan may come later) but said aloud."""
    store = open_store()
    current = store.current_publication()
    if current is None:
        return
    tables = store.load_version_input(*current).tables
    known = {"unit": set(tables["units"]["unit_id"].astype(str)), "cadre": set(tables["cadres"]["cadre_id"].astype(str))}
    for name, role, scope in rows:
        if role in known and scope and scope not in known[role]:
            print(_say(args, f"注意：账户 {name} 的范围 {scope} 不在已发布计划（{current[0]} 第 {current[1]} 版）的名单中",
                       f"note: the scope {scope} of account {name} is not in the published plan "
                       f"({current[0]} version {current[1]})"), file=sys.stderr)


def _add(args: argparse.Namespace) -> int:
    accounts = _accounts()
    accounts.prepare(args.name, args.role, args.scope, "x" * accounts.settings.min_password)  # fail before asking
    account = accounts.add(args.name, args.role, args.scope, read_password(args), actor())
    _warn_unknown_scopes(args, [(account.name, account.role.value, account.scope)])
    print(_say(args, f"已创建账户 {account.name}（{ROLES[account.role].label_zh}{'，' + account.scope if account.scope else ''}）",
               f"account {account.name} created ({account.role.value}{', ' + account.scope if account.scope else ''})"))
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    accounts = _accounts()
    rows = accounts.all()
    if not rows:
        print(_say(args, "（还没有账户：应用以本机单用户模式运行）", "(no accounts: the app runs in local single-user mode)"))
        return EXIT_OK
    print(_say(args, f"{_pad('账户', 20)} {_pad('角色', 12)} {_pad('范围', 12)} {_pad('最近登录', 18)} 状态",
               "name                 role         scope        last sign-in       state"))
    for r in rows:
        last = r.last_sign_in.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_sign_in else "-"
        state = _say(args, "已锁定", "locked") if r.locked_until and r.locked_until > accounts.clock() else ""
        print(f"{_pad(r.name[:20], 20)} {r.role:<12} {_pad((r.scope or '-')[:12], 12)} {last:<18} {state}")
    return EXIT_OK


def _remove(args: argparse.Namespace) -> int:
    _accounts().remove(args.name, actor())
    print(_say(args, f"已删除账户 {args.name}", f"account {args.name} removed"))
    return EXIT_OK


def _passwd(args: argparse.Namespace) -> int:
    accounts = _accounts()
    if accounts.get(args.name) is None:
        raise AccountError(f"没有名为“{args.name}”的账户", f"no account named '{args.name}'")
    accounts.passwd(args.name, read_password(args), actor())
    print(_say(args, f"已修改 {args.name} 的密码（账户已解锁）", f"password of {args.name} changed (account unlocked)"))
    return EXIT_OK


def _read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise AccountError(f"{path}：无法识别编码（请存为 UTF-8 或 GBK）", f"{path}: unreadable encoding (use UTF-8 or GBK)")
    reader = csv.reader(io.StringIO(text))
    header = [h.strip() for h in next(reader, [])]
    where = {}
    for key, names in IMPORT_COLUMNS.items():
        found = [i for i, h in enumerate(header) if h.lower() in names]
        if found:
            where[key] = found[0]
    missing = [k for k in ("name", "role") if k not in where]
    if missing:
        raise AccountError(f"{path}：缺少列 {'、'.join(missing)}（需要 name, role，可选 scope, password）",
                           f"{path}: missing column(s) {', '.join(missing)} (need name, role; optional scope, password)")
    rows: list[dict[str, str]] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            rows.append({})
            continue
        rows.append({k: (cells[i].strip() if i < len(cells) else "") for k, i in where.items()})
    return rows


def _import(args: argparse.Namespace) -> int:
    """All rows are checked first; any bad row exits 2 naming file, row and column, and creates no account."""
    path = Path(args.file)
    if not path.is_file():
        raise AccountError(f"找不到文件：{path}", f"file not found: {path}")
    accounts = _accounts()
    prepared, generated, errors = [], [], []
    for number, row in enumerate(_read_csv(path), start=2):   # row 1 is the header
        if not row:
            continue
        password = row.get("password") or ""
        fresh = not password
        if fresh:
            password = secrets.token_urlsafe(GENERATED_BYTES)
        try:
            prepared.append(accounts.prepare(row.get("name", ""), row.get("role", ""), row.get("scope"), password))
        except AccountError as exc:
            errors.append((number, exc.column or "name", exc))
            continue
        if fresh:
            generated.append((str(prepared[-1]["name"]), password))
    if errors:
        for number, column, error in errors:
            print(_say(args, f"{path}，第 {number} 行，列 {column}：{error.message_zh}",
                       f"{path}, row {number}, column {column}: {error.message_en}"), file=sys.stderr)
        print(_say(args, "未创建任何账户。", "No account was created."), file=sys.stderr)
        return EXIT_BAD_INPUT
    accounts.add_many(prepared, actor(), action="import")
    _warn_unknown_scopes(args, [(str(r["name"]), r["role"], r["scope"]) for r in prepared])
    print(_say(args, f"已创建 {len(prepared)} 个账户。", f"{len(prepared)} accounts created."))
    if generated:
        print(_say(args, "以下为生成的初始密码，只显示这一次，请当面或密封交给本人，并提醒其登录后修改：",
                   "Generated initial passwords, shown this once only; hand them over privately:"))
        for name, password in generated:
            print(f"  {name}\t{password}")
    return EXIT_OK


def publish(args: argparse.Namespace) -> int:
    """Publish a stored version: units and cadres see it from now on (audited under PLANNER_USER / the login)."""
    from planner.store.cli import _version

    try:
        store = open_store()
        number = _version(args, store)
        store.publish(args.scenario, number, author=actor())
    except StoreError as exc:
        return _fail(args, exc)
    print(_say(args, f"已发布方案 {args.scenario} 第 {number} 版：各单位和干部现在看到这一版。",
               f"scenario {args.scenario} version {number} published: units and cadres now see it."))
    return EXIT_OK
