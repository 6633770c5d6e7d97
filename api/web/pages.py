"""The web pages. Reads go through the same store functions, scopes and audit as the JSON API;
changes are made by the page's script calling /api/v1 with the session cookie and CSRF token."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from api.deps import SESSION_COOKIE, SessionDep, SettingsDep, bearer_token
from api.routes.auth import sign_in
from api.routes.complaints import complaint_filter, read_complaint, read_complaints
from api.routes.customers import read_customer
from api.routes.search import read_search
from api.schemas import DeviceOut
from api.web.charts import bar_chart, line_chart
from api.web.i18n import LANG_COOKIE, LANGUAGES, translator
from core.errors import AccessError, NotAuthenticatedError
from core.settings import Settings
from core.times import parse_time, zone
from nlp.classify import LABELS
from store.audit import AuditFilter, list_entries, record
from store.auth import Principal, resolve_token, reviewers_for, revoke_token
from store.cases import SORTS, complaint_counts
from store.dashboard import build_dashboard
from store.devices import list_devices
from store.insights import churn_signals
from store.models import COMPLAINT_STATUSES
from store.repository import branch_codes

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
router = APIRouter(include_in_schema=False)
EVENT_KINDS = ("opened", "contact", "reopened", "status", "assigned", "escalated", "overdue", "corrected", "category")
_FILTERS = ("status", "severity", "branch", "category", "intent", "since", "until", "assignee", "overdue", "sort")
PAGE_SIZE = 100


def _highlight(text: str, words: list[str]) -> Markup:
    """The text, escaped, with each keyword wrapped in <mark>."""
    words = sorted({w for w in words if w}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile("|".join(re.escape(w) for w in words))
    out, cursor = [], 0
    for match in pattern.finditer(text):
        out += [escape(text[cursor : match.start()]), Markup("<mark>") + escape(match.group()) + Markup("</mark>")]
        cursor = match.end()
    out.append(escape(text[cursor:]))
    return Markup("").join(out)


@pass_context
def _local(context: Any, moment: datetime | None, pattern: str) -> str:
    """A stored (UTC) time in the display time zone."""
    return moment.astimezone(context["tz"]).strftime(pattern) if moment else ""


templates.env.filters["highlight"] = _highlight
templates.env.filters["local"] = _local


def web_user(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in user of the session cookie (or of a bearer token, for scripts), or None."""
    token = bearer_token(request.headers.get("authorization"))
    cookie = request.cookies.get(SESSION_COOKIE)
    try:
        if token:
            return resolve_token(session, token, "api")
        return resolve_token(session, cookie, "session") if cookie else None
    except NotAuthenticatedError:
        return None


WebUser = Annotated[Principal | None, Depends(web_user)]


def _lang(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return asked if asked in LANGUAGES else "zh"


def render(request: Request, name: str, user: Principal | None, status: int = 200, **context: Any) -> Response:
    """A page in the user's language; `?lang=` is remembered in a cookie."""
    lang = _lang(request)
    t, label = translator(lang)
    tz = ZoneInfo(request.app.state.settings.display_timezone)
    base = {"user": user, "lang": lang, "t": t, "label": label, "tz": tz}
    response = templates.TemplateResponse(request, name, {**base, **context}, status_code=status)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax")
    return response


def _gate(request: Request, user: Principal | None, permission: str) -> Response | None:
    """Login page for strangers, a 403 page for roles without the permission, None to go on."""
    if user is None:
        asked = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return render(request, "login.html", None, status=401, next=asked)
    if not user.may(permission):
        return render(request, "home.html", user, status=403)
    return None


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep, user: WebUser) -> Response:
    """The complaint queue for reviewers, the audit log for auditors, the login page for strangers."""
    if user is None:
        return render(request, "login.html", None)
    if user.may("review"):
        return queue_page(request, session, user)
    if user.may("audit"):
        return RedirectResponse("/audit-log", status_code=303)
    return render(request, "home.html", user)


@router.post("/login")
def login_form(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The login form: the cookie and a redirect to the page asked for (or home), or the form again."""
    response = RedirectResponse(_same_site(next), status_code=303)
    try:
        sign_in(session, settings, response, username, password)
    except AccessError:
        return render(request, "login.html", None, status=401, error=True, username=username, next=next)
    return response


def _crm_link(settings: Settings, crm_id: str | None) -> str | None:
    """The case's page in the CRM, where it was pushed and the CRM's record address is configured."""
    if not crm_id or not settings.crm_case_url or "{id}" not in settings.crm_case_url:
        return None
    return settings.crm_case_url.replace("{id}", quote(crm_id, safe=""))


def _same_site(path: str) -> str:
    """A path on this site to go back to after sign-in; anything else (another site) is home."""
    if path.startswith("/") and not path.startswith("//") and "\\" not in path and "\n" not in path:
        return path
    return "/"


def error_page(request: Request, status: int, detail: str) -> Response:
    """An error as a page in the UI's language, for a browser that asked for a page, not the API."""
    heading = f"error_{status}" if status in ERROR_PAGES else "error_500"
    return render(request, "error.html", None, status=status, code=status, heading=heading, detail=detail)


ERROR_PAGES = (400, 401, 403, 404, 409, 410, 413, 422, 503)


@router.get("/devices", response_class=HTMLResponse)
def devices_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    """Admins: every capture device's health, spool backlog, last contact and input level."""
    if (gate := _gate(request, user, "devices")) is not None:
        return gate
    return render(request, "devices.html", user, devices=[DeviceOut.of(d) for d in list_devices(session)])


@router.post("/logout")
def logout_form(
    request: Request, session: SessionDep, user: WebUser, csrf: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    """Sign out (the form carries the CSRF token)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if user is not None and cookie and user.csrf and csrf == user.csrf:
        revoke_token(session, cookie)
        record(session, user, "auth.logout", "user", user.user_id)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _branches(session: Session, user: Principal) -> list[str]:
    return branch_codes(session, user.branch_ids)


def queue_page(request: Request, session: Session, user: Principal) -> Response:
    """Filters, counts and a page of the newest complaints matching them."""
    q = request.query_params
    page = max(1, int(q["page"])) if q.get("page", "").isdigit() else 1
    settings = request.app.state.settings
    filters = complaint_filter(
        user,
        settings,
        status=q.get("status"),
        severity=q.get("severity"),
        branch=q.get("branch"),
        category=q.get("category"),
        intent=q.get("intent"),
        since=_date(q.get("since"), settings),
        until=_date(q.get("until"), settings),
        assignee="me" if q.get("assignee") == "me" else None,
        overdue=True if q.get("overdue") == "true" else None,
        sort=q["sort"] if q.get("sort") in SORTS else "occurred",  # priority: severity, then customer value
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    rows, total = read_complaints(session, user, filters)
    export = "/api/v1/complaints/export.csv?" + urlencode({k: v for k, v in q.items() if k in _FILTERS and v})
    return render(
        request,
        "queue.html",
        user,
        rows=rows,
        total=total,
        counts=complaint_counts(session, replace(filters, status=None, severity=None)),
        filters=q,
        statuses=COMPLAINT_STATUSES,
        severities=("high", "medium", "low"),
        categories=LABELS["category"],
        intents=LABELS["intent"],
        branches=_branches(session, user),
        export=export,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        page_link=lambda n: "?" + urlencode({**{k: v for k, v in q.items() if k in _FILTERS and v}, "page": n}),
    )


def _date(value: str | None, settings: Settings) -> str | None:
    """The value where it reads as a date or time (a page ignores a bad one rather than fail)."""
    if not value:
        return None
    try:
        parse_time(value, zone(settings.display_timezone))
    except ValueError:
        return None
    return value


@router.get("/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_page(complaint_id: int, request: Request, session: SessionDep, user: WebUser) -> Response:
    """The transcript with the complaint highlighted, the audio, actions and tag fixes."""
    if (gate := _gate(request, user, "review")) is not None:
        return gate
    assert user is not None
    complaint, interaction = read_complaint(session, user, complaint_id)
    flagged = {e.utterance_id for e in complaint.evidence}
    elsewhere = [e.utterance for e in complaint.evidence if e.utterance.interaction_id != interaction.id]
    return render(
        request,
        "complaint.html",
        user,
        complaint=complaint,
        interaction=interaction,
        flagged=flagged,
        elsewhere=elsewhere,
        labels=LABELS,
        status_labels={s: translator(_lang(request))[1](s) for s in COMPLAINT_STATUSES},
        event_labels={k: translator(_lang(request))[1](k) for k in EVENT_KINDS},
        zone=request.app.state.settings.display_timezone,
        crm_link=_crm_link(request.app.state.settings, complaint.crm_id),
        reviewers=reviewers_for(session, complaint.branch_id),
    )


@router.get("/customers/{external_id}", response_class=HTMLResponse)
def customer_page(external_id: str, request: Request, session: SessionDep, user: WebUser) -> Response:
    """Timeline across channels with the sentiment trend and the risk of leaving."""
    if (gate := _gate(request, user, "review")) is not None:
        return gate
    assert user is not None
    customer, interactions = read_customer(session, user, external_id)
    signals = churn_signals(session, customer, interactions, user.branch_ids)
    points = [(i.occurred_at.strftime("%m-%d"), i.sentiment) for i in interactions if i.sentiment is not None]
    return render(
        request,
        "customer.html",
        user,
        customer=customer,
        interactions=interactions,
        signals=signals,
        chart=line_chart(points),
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, user: WebUser) -> Response:
    """Charts over the last 90 days, within the user's branches."""
    if (gate := _gate(request, user, "dashboard")) is not None:
        return gate
    assert user is not None
    _t, label = translator(_lang(request))
    data = build_dashboard(session, user.branch_ids, where=zone(request.app.state.settings.display_timezone))
    return render(
        request,
        "dashboard.html",
        user,
        data=data,
        branch_chart=bar_chart(list(data.by_branch.items())),
        category_chart=bar_chart([(label(k), v) for k, v in data.by_category.items()]),
        week_chart=bar_chart([(k, v) for k, v in data.by_week.items()]),
        sentiment_chart=line_chart([(k[5:], v) for k, v in data.sentiment_by_week.items()]),
        keyword_chart=bar_chart([(k, v) for k, v in data.top_keywords]),
        show_customers=user.may("review"),
    )


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, session: SessionDep, user: WebUser, q: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    """Full-text search over transcripts; matches highlighted."""
    if (gate := _gate(request, user, "review")) is not None:
        return gate
    assert user is not None
    hits, terms = read_search(session, user, q) if q.strip() else ([], [])
    return render(request, "search.html", user, q=q, hits=hits, terms=terms)


@router.get("/audit-log", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    user: WebUser,
    actor: str | None = None,
    action: str | None = None,
    object_id: str | None = None,
) -> Response:
    """The newest 200 audit entries, filterable by actor, action and object."""
    if (gate := _gate(request, user, "audit")) is not None:
        return gate
    rows, total = list_entries(session, AuditFilter(actor or None, action or None, None, object_id or None, limit=200))
    return render(request, "audit.html", user, rows=rows, total=total, actor=actor or "", action=action or "")
