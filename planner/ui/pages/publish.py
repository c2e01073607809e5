"""Publishing a version (History page): a solved version is a draft until an organizer publishes it; units and
cadres see only the version published last. The store's guard refuses the click for a role without the right."""

from __future__ import annotations

import streamlit as st

from planner.store.api import StoreError
from planner.ui.i18n import current_lang, t
from planner.ui.state import Workspace


def publish_box(ws: Workspace, number: int) -> None:
    """The publication state of the scenario and a button to publish version `number`."""
    store = ws.store
    if store is None:
        return
    published = store.published_versions(ws.scenario)
    current = store.current_publication()
    if current is not None:
        st.caption(t("publish.current", scenario=current[0], version=current[1]))
    else:
        st.caption(t("publish.none"))
    if number in published:
        st.caption(t("publish.already", version=number))
        return
    if st.button(t("publish.button", version=number), key="history_publish", icon=":material/campaign:",
                 help=t("publish.help")):
        try:
            store.publish(ws.scenario, int(number), author=ws.author)
        except StoreError as exc:
            st.error(exc.render(current_lang()))
            return
        st.toast(t("publish.done", version=number))
        st.rerun()
