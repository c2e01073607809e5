"""What one server process shares between browser sessions, held by Streamlit's resource cache: the store (one
per database URL) and the solves running in the background (so that a refresh finds its solve again)."""

from __future__ import annotations

import threading

import streamlit as st

from planner.store.api import Store, default_url, open_store
from planner.workflow.jobs import SolveJob

_JOBS_LOCK = threading.Lock()


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    return open_store(url)   # a failure is not cached: the next run tries again


def shared_store() -> Store:
    """One Store per database URL for the whole server process (engines are thread-safe and pool connections),
    held by Streamlit's resource cache: shared by every session, and cleared with the app's caches."""
    return _open_store(default_url())


@st.cache_resource(show_spinner=False)
def running_jobs() -> dict[tuple[str, str], SolveJob]:
    """Solves started in this server process, by (database URL, scenario): a refresh of the browser starts a new
    session, which takes its author's running solve back (`new_workspace`) instead of losing sight of it."""
    return {}


def _job_key(store: Store, scenario: str) -> tuple[str, str]:
    return (store.engine.url.render_as_string(hide_password=True), scenario)


def remember_job(store: Store | None, scenario: str, job: SolveJob) -> None:
    if store is None:
        return
    with _JOBS_LOCK:
        jobs = running_jobs()
        for key in [k for k, j in jobs.items() if j.done]:
            del jobs[key]
        jobs[_job_key(store, scenario)] = job


def running_job(store: Store | None, scenario: str, author: str) -> SolveJob | None:
    """`author`'s solve of `scenario` that is still running, if any."""
    if store is None:
        return None
    with _JOBS_LOCK:
        job = running_jobs().get(_job_key(store, scenario))
    return job if job is not None and not job.done and job.author == author else None
