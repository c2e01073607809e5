"""The sign-in page (drawn before any data exists in the session) and the refusal on a non-loopback address."""

from __future__ import annotations

import streamlit as st

from planner.access.accounts import Accounts, Outcome
from planner.ui.i18n import LANG_KEY, LANGS, t

# The session keys this page writes on sign-in and planner.ui.session reads every run (imports run one way).
ACCOUNT_KEY = "access_account"        # the signed-in account's name (session state)
LAST_KEY = "access_last_active"       # when this session last ran a script (UTC, from the Accounts clock)
NOTICE_KEY = "access_notice"          # a message for the sign-in page (expired, signed out)

LANG_NAMES = {"zh": "中文", "en": "English"}


def _lang_switch() -> None:
    st.segmented_control(t("app.lang"), LANGS, format_func=LANG_NAMES.__getitem__, key=LANG_KEY,
                         selection_mode="single")


def render(accounts: Accounts) -> None:
    """Name and password; nothing of the plan or the data is read before this succeeds."""

    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        _lang_switch()
        st.title(t("app.title"))
        st.subheader(t("signin.title"))
        notice = st.session_state.pop(NOTICE_KEY, None)
        if notice:
            st.info(t(str(notice)))
        with st.form("signin_form"):
            name = st.text_input(t("signin.name"), key="signin_name")
            password = st.text_input(t("signin.password"), type="password", key="signin_password")
            submitted = st.form_submit_button(t("signin.submit"), type="primary", width="stretch")
        if submitted:
            result = accounts.sign_in(name, password, where=_client())   # audited, without the password
            if result.outcome is Outcome.OK and result.account is not None:
                st.session_state[ACCOUNT_KEY] = result.account.name
                st.session_state[LAST_KEY] = accounts.clock()
                st.rerun()
            elif result.outcome is Outcome.LOCKED and result.locked_until is not None:
                st.error(t("signin.locked", until=result.locked_until.astimezone().strftime("%H:%M"),
                           minutes=accounts.settings.lockout_minutes))
            else:
                st.error(t("signin.wrong", n=accounts.settings.max_failures))
        st.caption(t("signin.help"))


def _client() -> str | None:
    """The browser's address for the sign-in audit row (None without a network peer, e.g. under AppTest)."""
    try:
        peer = st.context.ip_address
    except Exception:
        return None
    return peer if isinstance(peer, str) else None


def refusal(message: str) -> None:
    """Serving on the network without any account would publish every household: refuse, say how to fix it."""
    _lang_switch()
    st.title(t("app.title"))
    st.error(message)
    st.code("planner user add 管理员 --role admin\n# " + t("access.refused_or") +
            "\nstreamlit run app.py --server.address=127.0.0.1", language="bash")
