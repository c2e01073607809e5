"""Who is using the app: the sign-in gate, session expiry, sign-out, and the listen-address rule.

Rules (contract, "People and roles"):
- no account in the store: today's single-user local mode, but only on a loopback address; on any other address
  the app shows a refusal and nothing else;
- once an account exists, nothing but the sign-in page is drawn until someone signs in;
- a session idle longer than `PLANNER_SESSION_MINUTES` ends; an account removed meanwhile is signed out at once.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime

import streamlit as st

from planner.access.accounts import Account, Accounts
from planner.access.roles import ROLES, Role
from planner.store.api import Store
from planner.ui.i18n import LANG_KEY, t
from planner.ui.pages import signin
from planner.ui.pages.signin import ACCOUNT_KEY, LAST_KEY, NOTICE_KEY
from planner.ui.resources import shared_store

LOCAL_NAME = "local"


@dataclass(frozen=True)
class Session:
    account: Account
    local: bool          # single-user local mode (no account exists; loopback only)
    store: Store | None


def is_loopback(address: str | None) -> bool:
    """Whether Streamlit's `server.address` binds loopback only (empty means every interface)."""
    value = (address or "").strip().strip("[]")
    if not value:
        return False
    if value.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(value).is_loopback
    except ValueError:
        return False    # a host name or an interface address: assume reachable from the network


def listen_address() -> str:
    return str(st.get_option("server.address") or "")


def client_is_local() -> bool:
    """Whether this browser runs on the server itself: a loopback peer, and no proxy in between (a proxy on the
    same host would otherwise carry the office network to a 127.0.0.1 app that has no accounts yet)."""
    try:
        headers = st.context.headers
        if headers.get("X-Forwarded-For") or headers.get("Forwarded") or headers.get("X-Real-Ip"):
            return False
        peer = st.context.ip_address
    except Exception:   # no request context (e.g. AppTest): nothing came over the network
        return True
    if not isinstance(peer, str):   # None without a network peer (AppTest gives a stand-in object)
        return True
    return is_loopback(peer)


def _store() -> Store | None:
    try:
        return shared_store()
    except Exception:   # no usable store: the workspace says so; here it only means "no accounts known"
        return None


def sign_out(notice: str | None = None) -> None:
    """Forget everything this session held (workspace, views, widgets); keep the language."""
    lang = st.session_state.get(LANG_KEY, "zh")
    for key in list(st.session_state):
        del st.session_state[key]
    st.session_state[LANG_KEY] = lang
    if notice:
        st.session_state[NOTICE_KEY] = notice


def current_session() -> Session | None:
    """The session's account, or None after drawing the sign-in page or the refusal (the caller then stops)."""

    store = _store()
    accounts = Accounts(store.engine) if store is not None else None
    if accounts is None or not accounts.exist():
        if not is_loopback(listen_address()):
            signin.refusal(t("access.refused", address=listen_address() or "0.0.0.0 / ::"))
            return None
        if not client_is_local():
            signin.refusal(t("access.refused_remote"))
            return None
        return Session(Account(LOCAL_NAME, Role.ADMIN), local=True, store=store)
    name = st.session_state.get(ACCOUNT_KEY)
    if name is None:
        signin.render(accounts)
        return None
    account = accounts.get(str(name))
    last = st.session_state.get(LAST_KEY)
    if account is None:
        sign_out("signin.removed")
        signin.render(accounts)
        return None
    if isinstance(last, datetime) and accounts.session_expired(last):
        sign_out("signin.expired")
        signin.render(accounts)
        return None
    st.session_state[LAST_KEY] = accounts.clock()
    return Session(account, local=False, store=store)


def account_box(session: Session) -> None:
    """Sidebar: who is signed in, the role, a sign-out button (or the local-mode note)."""
    if session.local:
        st.caption(t("access.local_mode"))
        st.code("planner user add 管理员 --role admin", language="bash")
        return
    spec = ROLES[session.account.role]
    label = spec.label_zh if st.session_state.get(LANG_KEY, "zh") == "zh" else spec.label_en
    scope = f" · {session.account.scope}" if session.account.scope else ""
    st.caption(t("access.signed_in", name=session.account.name, role=label + scope))
    if st.button(t("access.sign_out"), key="access_sign_out", icon=":material/logout:"):
        sign_out("signin.signed_out")
        st.rerun()
    if session.store is not None:
        with st.popover(t("access.passwd"), icon=":material/key:"):
            _change_password(Accounts(session.store.engine), session.account)


def _change_password(accounts: Accounts, account: Account) -> None:
    """The signed-in person changes their own password (the current one is asked again; a wrong one counts
    toward the lockout like a failed sign-in)."""
    from planner.access.accounts import AccountError, Outcome

    with st.form("access_passwd_form", clear_on_submit=True):
        old = st.text_input(t("access.passwd_old"), type="password", key="access_passwd_old")
        new = st.text_input(t("access.passwd_new"), type="password", key="access_passwd_new")
        again = st.text_input(t("access.passwd_again"), type="password", key="access_passwd_again")
        if not st.form_submit_button(t("access.passwd_save"), type="primary"):
            return
    if accounts.verify(account.name, old).outcome is not Outcome.OK:
        st.error(t("access.passwd_wrong"))
    elif new != again:
        st.error(t("access.passwd_differ"))
    else:
        try:
            accounts.passwd(account.name, new, account.name)
        except AccountError as exc:
            st.error(exc.render(st.session_state.get(LANG_KEY, "zh")))
            return
        st.success(t("access.passwd_done"))
