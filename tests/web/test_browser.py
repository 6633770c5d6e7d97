"""The review workspace in real headless Chromium against a real `kesheng serve` with real imports.

Screenshots of each main page go to tests/artifacts/screenshots/ (or $KESHENG_SCREENSHOTS).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kesheng.harness import Server, run_cli, server_process
from tests.conftest import AUDIO

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(os.environ.get("KESHENG_SCREENSHOTS", Path(__file__).parent.parent / "artifacts" / "screenshots"))
PASSWORD = "review-pass-1"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (scripts/test.sh installs it)"),
]


def _import(server: Server, path: Path, **form: str) -> int:
    with path.open("rb") as audio:
        response = server.api.post("/api/v1/recordings", data=form, files={"file": (path.name, audio)})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def _wait_done(server: Server, job_ids: list[int]) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        jobs = [server.api.get(f"/api/v1/jobs/{j}").json() for j in job_ids]
        if all(j["status"] == "done" for j in jobs):
            return
        assert not [j for j in jobs if j["status"] in ("failed", "dead")], jobs
        time.sleep(0.5)
    raise AssertionError("imports did not finish")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("web")
    with server_process(workdir, model_cache) as running:
        for args in (
            ["users", "add", "manager_a", "--role", "cx_manager", "--branch", "BR-A", "--password", PASSWORD],
            ["users", "add", "auditor", "--role", "auditor", "--password", PASSWORD],
            ["users", "add", "colleague", "--role", "cx_manager", "--branch", "BR-A", "--password", PASSWORD],
            ["users", "add", "manager_b", "--role", "cx_manager", "--branch", "BR-B", "--password", PASSWORD],
        ):
            done = run_cli(args, running.env)
            assert done.returncode == 0, done.stderr
        jobs = [
            _import(running, AUDIO / "counter_complaint_fees.wav", customer="CA", branch="BR-A", channel="counter"),
            _import(running, AUDIO / "counter_complaint_phone.wav", customer="CA", branch="BR-A", channel="field"),
            _import(running, AUDIO / "call_stereo_8k.wav", customer="CB", branch="BR-B", stereo_roles="staff,customer"),
        ]
        _wait_done(running, jobs)
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"]
        )
        yield chromium
        chromium.close()


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _sign_in(page: object, server: Server, username: str) -> None:
    page.goto(server.url + "/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    with page.expect_navigation():  # type: ignore[attr-defined]
        page.click("#login-form button[type=submit]")  # type: ignore[attr-defined]


def test_review_a_complaint_end_to_end(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page.goto(server.url + "/")
    assert page.locator("#login-form").is_visible()
    _shot(page, "01-login")
    page.fill("input[name=username]", "manager_a")
    page.fill("input[name=password]", "wrong-password")
    with page.expect_navigation():
        page.click("#login-form button[type=submit]")
    assert page.locator(".error").inner_text() == "用户名或密码错误"

    _sign_in(page, server, "manager_a")
    page.wait_for_selector("#queue")
    everything = server.api.get("/api/v1/complaints", params={"branch": "BR-A"}).json()
    assert int(page.inner_text("#total")) == everything["total"] >= 2
    assert "BR-B" not in page.inner_text("#queue")  # the other branch's call is not in this queue
    _shot(page, "02-queue")

    # Filter by the fees complaint's category: the table shows what the API counts for it.
    fees = next(c for c in everything["items"] if "手续费" in c["text"])
    page.select_option("select[name=category]", fees["category"])
    page.click("#filters button[type=submit]")
    page.wait_for_url("**category=*")
    expected = server.api.get("/api/v1/complaints", params={"branch": "BR-A", "category": fees["category"]}).json()
    assert int(page.inner_text("#total")) == expected["total"]
    assert page.locator("#queue tbody tr").count() == expected["total"]

    page.click(f"#queue a[href='/complaints/{fees['id']}']")
    page.wait_for_selector("#transcript")
    assert page.locator(".utterance.complaint mark").count() >= 1  # keywords highlighted
    # The audio element loads the utterance (personal data beeped) and plays in the browser.
    duration = page.evaluate(
        """async () => {
            const audio = document.getElementById('complaint-audio');
            audio.preload = 'auto'; audio.load();
            await new Promise((ok, bad) => { audio.oncanplay = ok; audio.onerror = () => bad(audio.error); });
            await audio.play();
            await new Promise((ok) => setTimeout(ok, 400));
            return {duration: audio.duration, time: audio.currentTime, error: audio.error};
        }"""
    )
    assert duration["error"] is None and duration["duration"] > 1 and duration["time"] > 0, duration
    _shot(page, "03-complaint")

    # Assign to a colleague: only people who may review branch A are offered.
    offered = page.eval_on_selector_all("#assign-to option", "options => options.map(o => o.value)")
    assert offered == ["", "colleague", "manager_a"]
    page.select_option("#assign-to", "colleague")
    page.wait_for_function("document.getElementById('assignee').textContent === 'colleague'")
    page.click("#dismiss")  # without a reason it is refused, in the page, before anything is sent
    assert page.inner_text("#flash") == "驳回需填写原因（备注）"
    page.fill("#note", "已退还手续费")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#dismiss")  # with a reason it asks first; cancelled, nothing changes
    assert asked == ["确认驳回：这不是投诉？"]
    assert page.locator("#complaint-status").get_attribute("data-status") == "in_review"  # as assigned
    page.click("#resolve")
    page.wait_for_function("document.getElementById('complaint-status').dataset.status === 'resolved'")
    assert page.inner_text("#complaint-status") == "已解决"
    assert "已退还手续费" in page.inner_text("#notes")  # the note shows at once, without a reload
    assert "→ resolved: 已退还手续费" in page.inner_text("#history").splitlines()[-1]  # and the history line
    stored = server.api.get(f"/api/v1/complaints/{fees['id']}").json()["complaint"]
    assert stored["status"] == "resolved" and stored["notes"][-1] == {
        **stored["notes"][-1],
        "author": "manager_a",
        "body": "已退还手续费",
    }

    # Another branch's complaint is not there for this manager, even by URL.
    other = server.api.get("/api/v1/complaints", params={"branch": "BR-B"}).json()["items"][0]
    assert page.goto(f"{server.url}/complaints/{other['id']}").status == 404

    page.goto(server.url + "/customers/CA")
    assert page.locator("#sentiment-chart svg").count() == 1
    assert page.locator("#timeline li").count() == 2  # counter and field visits
    _shot(page, "04-customer")
    page.goto(server.url + "/dashboard")
    assert page.locator("svg.chart").count() >= 3
    _shot(page, "05-dashboard")
    page.goto(server.url + "/search?q=手续费")
    assert page.locator("#hits li").count() == 1 and page.locator("#hits mark").inner_text() == "手续费"
    _shot(page, "06-search")
    page.goto(server.url + "/search?q=13812345678")  # a phone number typed into search
    page.click("#lang-switch")
    assert "Search" in page.inner_text("header nav")
    page.click("header form button")  # sign out
    page.wait_for_selector("#login-form")

    # The auditor sees the manager's reads and the resolution in the audit log.
    _sign_in(page, server, "auditor")
    page.wait_for_selector("#audit")
    log = page.inner_text("#audit")
    for action in ("complaint.update", "complaint.read", "audio.read", "customer.read", "search"):
        assert action in log, action
    assert page.goto(f"{server.url}/complaints/{fees['id']}").status == 403  # auditors do not read transcripts
    page.goto(server.url + "/audit-log?actor=manager_a&action=complaint.update")
    rows = page.locator("#audit tbody tr")
    assert rows.count() == 2  # the assignment, then the resolution (newest first)
    assert "resolved" in rows.nth(0).inner_text() and "colleague" in rows.nth(1).inner_text()
    _shot(page, "07-audit")
    page.close()
    # Nothing personal reached the server's log: not the spoken number, not the searched one.
    log_text = server.log_path.read_text()
    assert "/search" in log_text and "13812345678" not in log_text


# Every form control has a label a screen reader reads (a <label>, aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.outerHTML.slice(0, 80))"""
# WCAG 2.1 contrast of every piece of visible text against the background it is drawn on.
LOW_CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length === 3 || c[3] > 0) return c.slice(0, 3); } return [255, 255, 255]; };
  const bad = [];
  for (const e of document.querySelectorAll('body *')) {
    const text = [...e.childNodes].filter((n) => n.nodeType === 3).map((n) => n.textContent.trim()).join('');
    const style = getComputedStyle(e);
    if (!text || style.visibility === 'hidden' || e.offsetParent === null || e.disabled) continue;
    const [a, b] = [lum(rgb(style.color)), lum(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && +style.fontWeight >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(`${text.slice(0, 20)}: ${ratio.toFixed(2)}`);
  }
  return bad;
}"""


def test_the_queue_and_a_case_at_phone_width(server: Server, browser: object) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # type: ignore[attr-defined]
    _sign_in(page, server, "manager_a")
    page.wait_for_selector("#queue")
    pages = [("08-queue-phone", None)]
    case = server.api.get("/api/v1/complaints", params={"branch": "BR-A"}).json()["items"][0]
    pages.append(("09-case-phone", f"/complaints/{case['id']}"))
    for name, path in pages:
        if path:
            page.goto(server.url + path)
            page.wait_for_selector("#transcript")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{name}: the page is {width} px wide; tables scroll inside their own box"
        assert page.evaluate(UNLABELLED) == [], name
        assert page.evaluate(LOW_CONTRAST) == [], name
        _shot(page, name)
    page.close()
