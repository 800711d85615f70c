"""`/projects`: the studio's past projects — search, show, list, import, re-index.

``add``, ``close``, ``reopen`` and ``active`` (``list active``) belong to active projects and are
handed to :mod:`bot.skills.active_projects`; ``edit``, ``remove`` and ``restore`` correct past
projects (:mod:`bot.corrections`). Anything else after ``/projects`` is a search, so
``/projects shopify theme`` just works. Store calls are blocking (Chroma, the model) and run in
a worker thread.
"""

from __future__ import annotations

import asyncio
import re
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from bot import corrections
from bot.mentions import neutralise_mentions
from bot.messages import (
    Block,
    FieldItem,
    Fields,
    Heading,
    Paragraph,
    Reply,
    Request,
    Table,
    refusal_reply,
    text_reply,
)
from bot.money import format_money
from bot.registry import Command, SkillError, SkillRegistry
from bot.services import Services

if TYPE_CHECKING:  # the importers load the store module (Chroma) when first used
    from knowledge.importers import ImportReport
    from knowledge.models import PastProject

T = TypeVar("T")

SEARCH_K = 8
MAX_SEARCH_K = 100  # `k=` above this is a table nobody reads; scripts page with filters
MAX_FILES = 5  # imports per request; the Markdown files shared together count as one
LIST_LIMIT = 40  # rows per page of `/projects list` (Slack and Discord split a longer table)
MAX_PAGE_SHOWN = 10**12  # a larger page asked for is not repeated in the answer
TITLE_SHOWN = 60  # characters of a title in a listing (`/projects show` has the whole)
PROBLEMS_SHOWN = 20
_FILE_PLATFORMS = {"console", "cli"}  # where a file path means a file on this machine
_DELEGATED = {"add", "close", "active", "reopen"}
_FILTER = re.compile(r"\b(type|tag|status):(\S+)", re.IGNORECASE)
_K = re.compile(r"(?<!\S)k\s*=\s*(\S*)", re.IGNORECASE)
_MARKDOWN = {".md", ".markdown"}

USAGE = (
    "**/projects** works with your past projects:\n"
    "- `/projects search <words>` — the most similar past projects "
    f"(filters: `type:e-commerce`, `tag:shopify`, `status:closed`; `k=20` for up to "
    f"{MAX_SEARCH_K} results)\n"
    "- `/projects show <id>` — everything about one project\n"
    f"- `/projects list [closed|active|removed] [page N]` — closed past projects, {LIST_LIMIT} "
    "a page, newest first, projects in progress, or removed ones\n"
    "- `/projects add` — start tracking a new project; "
    "`/projects close <id> <actual hours>` — close it into your history; "
    "`/projects reopen <id>` — back to active\n"
    "- `/projects edit <id> key=value …` — correct a past project (e.g. `actual=320`); "
    "`/projects remove <id>` — take it out of your history (`/projects restore <id>` undoes "
    "it; `/projects list removed` shows them)\n"
    "- `/projects import` — load CSV, JSON or Markdown: share the file in a DM with me "
    "(Slack), attach it to `/projects import` (Discord), or give its path (terminal and CLI)\n"
    "- `/projects demo load` / `/projects demo remove` — try Atelier on a demo portfolio, "
    "then take every trace of it out\n"
    "- `/projects reindex` — rebuild the search index after changing the embedding model "
    "(workspace admins)"
)


def _safe(text: str) -> str:
    """Stored text is data: shown as written, but never able to ping a channel."""
    return neutralise_mentions(text)


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} h"


async def _call(services: Services, work: Callable[[Any], T]) -> T:
    """Run ``work(store)`` in a thread; an unavailable store becomes a plain answer."""
    from knowledge.store import KnowledgeUnavailable

    def run() -> T:
        return work(services.knowledge)

    try:
        return await asyncio.to_thread(run)
    except KnowledgeUnavailable as problem:
        raise SkillError(str(problem)) from None


def _parse_filters(text: str) -> tuple[str, dict[str, Any]]:
    filters: dict[str, Any] = {}
    tags: list[str] = []
    for name, value in _FILTER.findall(text):
        name = name.lower()
        if name == "tag":
            tags.append(value)
        elif name == "status" and value.lower() not in {"active", "closed"}:
            raise SkillError(
                f"`status:{value}` is not a status; use `status:closed` or `status:active`."
            )
        else:
            filters[name] = value.lower()
    if tags:
        filters["tags"] = tags
    return _FILTER.sub(" ", text).strip(), filters


def _parse_k(text: str) -> tuple[str, int]:
    """``k=20`` taken out of a search: how many results, 1 to :data:`MAX_SEARCH_K`."""
    found = list(_K.finditer(text))
    if not found:
        return text, SEARCH_K
    value = found[-1].group(1)
    k = int(value) if value.isdigit() else 0
    if len(found) > 1 or not 1 <= k <= MAX_SEARCH_K:
        shown = "k=" + _safe(value[:12].replace("`", "'"))
        raise SkillError(
            f"`{shown}` is not a number of results: give `k=` once, as a whole number from 1 "
            f"to {MAX_SEARCH_K}, e.g. `/projects search Shopify theme k=20`."
        )
    return _K.sub(" ", text).strip(), k


def project_facts(project: PastProject) -> dict[str, Any]:
    """A past project with every field, as scripts read it (``--json``)."""
    return project.model_dump(mode="json")


async def search(text: str, request: Request, services: Services) -> Reply:
    text, k = _parse_k(text)
    query, filters = _parse_filters(text)
    if not query:
        return text_reply(
            "Tell me what to look for, e.g. `/projects search Shopify store with a custom theme`."
        )
    matches = await _call(services, lambda store: store.search(request.tenant, query, k, **filters))
    facts: dict[str, Any] = {
        "query": query,
        "k": k,
        "filters": filters,
        "matches": [
            {"similarity": round(m.similarity, 4), **project_facts(m.project)} for m in matches
        ],
    }
    if not matches:
        total = await _call(services, lambda store: store.count(request.tenant))
        if total == 0:
            return Reply(
                blocks=(
                    Paragraph(
                        text="There are no past projects in this workspace yet. Add them with "
                        "`/projects import <file>` in the terminal (`atelier projects import "
                        "FILE --tenant ID`), or close a finished project with `/projects close`."
                    ),
                ),
                facts=facts,
            )
        return Reply(
            blocks=(
                Paragraph(
                    text="No past project matches those filters. Try fewer filters, or "
                    "`/projects list` to see them all."
                ),
            ),
            facts=facts,
        )
    rows = tuple(
        (
            m.project.id,
            _safe(m.project.title),
            m.project.type,
            _hours(m.project.actual_hours),
            f"{m.similarity:.2f}",
        )
        for m in matches
    )
    return Reply(
        blocks=(
            Heading(text=f"Past projects like “{_safe(query[:80])}”"),
            Table(
                columns=("id", "title", "type", "actual", "similarity"),
                rows=rows,
                caption="Closest first; similarity runs from 0 (unrelated) to 1 (same).",
            ),
            Paragraph(text="See one with `/projects show <id>`."),
        ),
        facts=facts,
    )


async def show(text: str, request: Request, services: Services) -> Reply:
    project_id = text.strip().split()[0] if text.strip() else ""
    if not project_id:
        return text_reply("Which project? `/projects show <id>`; find ids with `/projects search`.")
    project = await _call(services, lambda store: store.get(request.tenant, project_id))
    if project is None:
        raise SkillError(
            f"I don't know a past project with id `{_safe(project_id[:64])}` in this workspace. "
            "Find ids with `/projects search <words>` or `/projects list`."
        )
    items = [FieldItem(label="id", value=project.id), FieldItem(label="type", value=project.type)]
    if project.client:
        items.append(FieldItem(label="client", value=_safe(project.client)))
    items.append(FieldItem(label="status", value=project.status))
    items.append(FieldItem(label="estimated", value=_hours(project.estimated_hours)))
    items.append(FieldItem(label="actual", value=_hours(project.actual_hours)))
    if project.estimated_hours and project.actual_hours is not None:
        ratio = project.actual_hours / project.estimated_hours
        items.append(FieldItem(label="actual / estimate", value=f"{ratio:.2f}×"))
    if project.price is not None:
        price = format_money(project.price, project.currency, cents=False)
        items.append(FieldItem(label="price", value=price))
    if project.started or project.finished:
        items.append(
            FieldItem(label="dates", value=f"{project.started or '?'} → {project.finished or '?'}")
        )
    if project.tags:
        items.append(FieldItem(label="tags", value=", ".join(project.tags)))
    blocks: list[Block] = [
        Heading(text=_safe(project.title)),
        Paragraph(text=_safe(project.summary)),
        Fields(items=tuple(items)),
    ]
    if project.phases:
        total = sum(project.phases.values()) or 1.0
        blocks.append(
            Table(
                columns=("phase", "hours", "share"),
                rows=tuple(
                    (_safe(name), f"{hours:g}", f"{hours / total:.0%}")
                    for name, hours in project.phases.items()
                ),
                caption="Phases",
            )
        )
    if project.lessons:
        lines = "\n".join(f"- {_safe(lesson)}" for lesson in project.lessons)
        blocks.append(Paragraph(text=f"**Lessons**\n{lines}"))
    if project.assets:
        lines = "\n".join(f"- `{_safe(asset)}`" for asset in project.assets)
        blocks.append(Paragraph(text=f"**Reusable assets**\n{lines}"))
    return Reply(blocks=tuple(blocks), facts={"project": project_facts(project)})


def _parse_page(args: str) -> tuple[str, int | None]:
    """``page 2`` (or ``page all``) taken out of `/projects list`'s words: the page, 1 when none
    is given, None for every project (scripts)."""
    words = args.split()
    lowered = [w.lower() for w in words]
    if "page" not in lowered:
        return args, 1
    at = lowered.index("page")
    value = lowered[at + 1] if at + 1 < len(lowered) else ""
    rest = " ".join(words[:at] + words[at + 2 :])
    if value == "all":
        return rest, None
    if not value:  # "page" said last, with no number after it
        raise SkillError("Which page? Try `/projects list page 2`.")
    # ASCII digits only: "²" passes isdigit() but not int(), and int() refuses a number of
    # thousands of digits (one that long is past the end of every history anyway).
    whole = value.isascii() and value.isdigit()
    if not whole or not value.strip("0") or lowered.count("page") > 1:
        shown = _safe(value[:12].replace("`", "'")) or "nothing"
        raise SkillError(
            f"`page {shown}` is not a page: give a whole number from 1, e.g. "
            "`/projects list page 2`."
        )
    digits = value.lstrip("0")
    return rest, int(digits) if len(digits) <= 100 else 10**100


def _short(text: str, size: int = TITLE_SHOWN) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def _whole(store: Any, tenant: str, shown: list[Any]) -> list[PastProject]:
    """The listed projects whole, in their order (a history of feature rows holds only what
    the estimator reads; one read from the store's records holds them whole already)."""
    from knowledge.models import PastProject

    if all(isinstance(p, PastProject) for p in shown):
        return list(shown)
    ids = [p.id for p in shown]
    found = store.get_many(tenant, ids)
    return [found[i] for i in ids if i in found]  # one removed since the listing is left out


async def list_closed(request: Request, services: Services, page: int | None = 1) -> Reply:
    """One page of the closed past projects, most recent first.

    The listing is the history scoping already holds (the feature rows, cached between
    answers), so a page costs its own rows however long the history is; only the page's
    projects are read whole, for the facts. ``page`` None puts every project in the facts
    (``atelier projects list --json``); the table still shows the first page.
    """
    from bot.scoping.history import tenant_history

    tenant = request.tenant

    def read(store: Any) -> tuple[list[Any], list[PastProject]]:
        closed = list(tenant_history(store, tenant, services.histories).closed)
        if page is None:
            return closed, list(store.list(tenant, status="closed"))
        return closed, _whole(store, tenant, closed[(page - 1) * LIST_LIMIT : page * LIST_LIMIT])

    closed, whole = await _call(services, read)
    total = len(closed)
    pages = max(1, -(-total // LIST_LIMIT))
    facts = _listing_facts("closed", total, page, pages, projects_facts(whole))
    if not closed:
        return Reply(
            blocks=(
                Paragraph(
                    text="No closed projects yet. Import your history with `/projects import "
                    "<file>` (terminal) or close a finished one with `/projects close <id> "
                    "<hours>`."
                ),
            ),
            facts=facts,
        )
    number = page or 1
    if number > pages:
        return _past_the_end(total, pages, number, _paging(request, "closed"), facts)
    first = (number - 1) * LIST_LIMIT
    shown = closed[first : first + LIST_LIMIT]
    return Reply(
        blocks=(
            Heading(text="Past projects"),
            Table(
                columns=("id", "title", "type", "actual", "finished"),
                rows=tuple(
                    (
                        p.id,
                        _safe(_short(p.title)),
                        p.type,
                        _hours(p.actual_hours),
                        str(p.finished or "—"),
                    )
                    for p in shown
                ),
                caption=f"{total:,} closed project(s), most recent first",
            ),
            Paragraph(
                text=_page_line(first, len(shown), total, number, pages, _paging(request, "closed"))
            ),
        ),
        facts=facts,
    )


@dataclass(frozen=True)
class _Paging:
    """How a listing names its other pages: as chat types them, or as the command line does."""

    kind: str  # "closed" or "removed"
    cli: bool

    def page(self, number: int) -> str:
        if self.cli:
            status = " --status removed" if self.kind == "removed" else ""
            return f"`atelier projects list{status} --page {number}`"
        status = " removed" if self.kind == "removed" else ""
        return f"`/projects list{status} page {number}`"

    @property
    def search(self) -> str:
        return '`atelier projects search "WORDS"`' if self.cli else "`/projects search <words>`"

    @property
    def show(self) -> str:
        return "`atelier projects show ID`" if self.cli else "`/projects show <id>`"


def _listing_facts(
    status: str, total: int, page: int | None, pages: int, projects: list[dict[str, Any]]
) -> dict[str, Any]:
    """The facts of one page of a listing (``page`` None: every project)."""
    return {
        "status": status,
        "total": total,
        "page": "all" if page is None else page,
        "pages": pages,
        "per_page": LIST_LIMIT,
        "projects": projects,
    }


def _paging(request: Request, kind: str) -> _Paging:
    return _Paging(kind=kind, cli=request.platform == "cli")


def _page_line(first: int, shown: int, total: int, page: int, pages: int, how: _Paging) -> str:
    """Which projects the table shows, and how to see the others."""
    if pages == 1:
        return f"Showing all {total:,}. See one with {how.show}."
    ways = []
    if page < pages:
        ways.append(f"{how.page(page + 1)} for the next {LIST_LIMIT}")
    if page > 1:
        ways.append(f"{how.page(page - 1)} for newer ones")
    ways.append(f"{how.search} to find one")
    where = f"Showing {first + 1:,}–{first + shown:,} of {total:,}"
    return f"{where} — use " + ", ".join(ways[:-1]) + f" or {ways[-1]}."


def _past_the_end(total: int, pages: int, page: int, how: _Paging, facts: dict[str, Any]) -> Reply:
    there = "is" if total == 1 else "are"
    return refusal_reply(
        f"There {there} {total:,} {how.kind} project(s), {pages} page(s) of {LIST_LIMIT}: "
        f"{how.page(pages)} is the last. Nothing is on "
        + (f"page {page:,}." if page <= MAX_PAGE_SHOWN else "a page that far.")
    ).model_copy(update={"facts": facts})


def projects_facts(projects: list[PastProject]) -> list[dict[str, Any]]:
    return [project_facts(p) for p in projects]


async def import_projects(text: str, request: Request, services: Services) -> Reply:
    try:
        parts = shlex.split(text)
    except ValueError:
        parts = [text.strip()]
    if request.attachments:
        return await import_attachments(parts, request, services)
    if request.platform not in _FILE_PLATFORMS:
        return text_reply(
            "Share the file with me to import it: in Slack, send it in a DM with me (add "
            "`confirm` to the message to accept unusual hours); in Discord, attach it to "
            "`/projects import`. CSV, JSON, JSON Lines or Markdown, up to "
            f"{_megabytes(request.max_attachment_bytes)}. Bigger files: "
            f"`atelier projects import FILE --tenant {request.tenant}` on the machine running "
            "Atelier."
        )
    flags = {p.lower() for p in parts[1:]}
    if not parts or flags - {"confirm", "update"}:
        return text_reply(
            "Which file? `/projects import path/to/projects.csv [confirm] [update]` (CSV, JSON, "
            "JSON Lines, or Markdown with YAML front matter). `confirm` accepts unusual hours, "
            "`update` lets rows replace projects closed here."
        )
    from knowledge.importers import ImportRefused, import_file

    path = Path(parts[0]).expanduser()
    try:
        report = await _call(
            services,
            lambda store: import_file(
                store,
                request.tenant,
                path,
                confirmed="confirm" in flags,
                update="update" in flags,
            ),
        )
    except ImportRefused as problem:
        raise SkillError(f"Nothing was imported: {problem}") from None
    again = f"import again with `/projects import {shlex.quote(parts[0])} confirm`"
    return report_reply(report, again, request.tenant)


def report_reply(report: ImportReport, again: str, tenant: str) -> Reply:
    """The whole-file validation report, the same wherever the file came from."""
    blocks = _report_blocks(report, again)
    facts = {"tenant": tenant, "imports": [report.to_dict()]}
    return Reply(blocks=tuple(blocks), facts=facts)


def _report_blocks(report: ImportReport, again: str) -> list[Block]:
    blocks: list[Block] = [Paragraph(text=report.summary())]
    if any(p.confirmable for p in report.problems):
        blocks.append(Paragraph(text=f"If those hours are right, {again}."))
    for warning in report.warnings:
        blocks.append(Paragraph(text=f"Note: {_safe(warning)}"))
    if report.problems:
        shown = report.problems[:PROBLEMS_SHOWN]
        caption = "Not imported — fix these rows and import the file again (it updates, "
        caption += "never duplicates)"
        if len(report.problems) > PROBLEMS_SHOWN:
            caption += f"; first {PROBLEMS_SHOWN} of {len(report.problems)}"
        blocks.append(
            Table(
                columns=("where", "field", "problem"),
                rows=tuple(
                    (
                        _safe(_where(p.source, p.line)),
                        p.field or "—",
                        _safe(p.message),
                    )
                    for p in shown
                ),
                caption=caption,
            )
        )
    return blocks


def _safe_filename(name: str) -> str:
    """A shared file's name as a plain file name (no folders, no odd characters)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._ -]+", "_", base).strip(" .")
    return cleaned[:120] or "import"


def _megabytes(size: int) -> str:
    return f"{round(size / 1_048_576, 3):g} MB"


def _size(size: int) -> str:
    return f"{size / 1024:.1f} KB" if size < 104_858 else f"{size / 1_048_576:.1f} MB"


def _unique(name: str, taken: set[str]) -> str:
    """Two shared files with one name are kept apart (``notes.md``, ``notes-2.md``)."""
    path, number = Path(name), 1
    while name.lower() in taken:
        number += 1
        name = f"{path.stem}-{number}{path.suffix}"
    taken.add(name.lower())
    return name


@dataclass
class _Upload:
    """One import of a request: a file, or every Markdown file shared with it (a folder's worth,
    validated together, one report)."""

    label: str
    files: list[tuple[str, bytes]] = field(default_factory=list)


def _too_big(shown: str, size: int, request: Request) -> str:
    limit = _megabytes(request.max_attachment_bytes)
    if request.platform == "cli":
        return (
            f"Nothing was imported: {shown} is {_size(size)}; the import limit is {limit}. "
            "Split it into smaller files, or raise the limit with `--max-mb`."
        )
    return (
        f"Nothing was imported: {shown} is {_size(size)} and files shared in chat can be up to "
        f"{limit}. Split it into smaller files, or import it with "
        f"`atelier projects import FILE --tenant {request.tenant}`."
    )


async def import_attachments(parts: list[str], request: Request, services: Services) -> Reply:
    """Import files shared in chat (a DM upload, a command's attachment) or handed over by the
    command line, each validated whole before anything is written.

    How big a file may be is the adapter's word (:attr:`Request.max_attachment_bytes`): chat
    fetches up to 5 MB, the command line reads more. Markdown files shared together are one
    import (one project per file, like a folder of them), with one report.
    """
    from knowledge.importers import FORMATS

    flags = {p.lower() for p in parts}
    answers: list[tuple[int, Reply]] = []  # (order, reply): refusals and reports, as shared
    uploads: dict[str, tuple[int, _Upload]] = {}
    taken: set[str] = set()
    for order, attachment in enumerate(request.attachments):
        name = _safe_filename(attachment.filename)
        shown = _safe(name)
        suffix = Path(name).suffix.lower()
        if suffix not in FORMATS:
            answers.append(
                (
                    order,
                    refusal_reply(
                        f"Nothing was imported: {shown} is not a file I can import. Share a "
                        ".csv, .json, .jsonl or .md file (Markdown with YAML front matter)."
                    ),
                )
            )
            continue
        too_big = attachment.size > request.max_attachment_bytes
        if too_big or attachment.content is None:
            answers.append((order, refusal_reply(_too_big(shown, attachment.size, request))))
            continue
        key = "markdown" if suffix in _MARKDOWN else f"file:{order}"
        if key not in uploads:
            uploads[key] = (order, _Upload(label=""))
        uploads[key][1].files.append((_unique(name, taken), attachment.content))
    chosen = sorted(uploads.values(), key=lambda item: item[0])
    for order, upload in chosen[:MAX_FILES]:
        count = len(upload.files)
        upload.label = upload.files[0][0] if count == 1 else f"{count} Markdown files"
        answers.append((order, await _import_upload(upload, flags, request, services)))
    answers.sort(key=lambda item: item[0])
    replies = [answer for _, answer in answers]
    if len(chosen) > MAX_FILES:
        replies.append(
            text_reply(f"I import up to {MAX_FILES} files at a time; share the rest again.")
        )
    blocks = tuple(block for answer in replies for block in answer.blocks)
    imports = [entry for answer in replies for entry in answer.facts.get("imports", ())]
    return Reply(
        blocks=blocks,
        refused=all(r.refused for r in replies),
        facts={"tenant": request.tenant, "imports": imports},
    )


async def _import_upload(
    upload: _Upload, flags: set[str], request: Request, services: Services
) -> Reply:
    """Write one upload to a private temporary folder, import it, and report on it by the
    name it was shared with (never the temporary path)."""
    from knowledge.importers import ImportRefused, import_file

    def work(store: Any) -> ImportReport:
        with tempfile.TemporaryDirectory(prefix="atelier-import-") as folder:
            target = Path(folder)
            if len(upload.files) > 1:
                target = target / "markdown"
                target.mkdir()
            for name, data in upload.files:
                (target / name).write_bytes(data)
            path = target if len(upload.files) > 1 else target / upload.files[0][0]
            report = import_file(
                store,
                request.tenant,
                path,
                max_bytes=request.max_attachment_bytes,
                confirmed="confirm" in flags,
                update="update" in flags,
            )
        report.path = upload.label
        return report

    try:
        report = await _call(services, work)
    except ImportRefused as problem:
        reason = f"Nothing was imported: {_safe(str(problem))}"
        refused = refusal_reply(reason)
        return refused.model_copy(
            update={"facts": {"imports": [{"path": upload.label, "refused": reason}]}}
        )
    if request.platform == "cli":
        again = "import it again with `--confirm`"
    else:
        again = (
            "share the file again with `confirm` in the message "
            "(Discord: `/projects import confirm` with the file attached)"
        )
    return report_reply(report, again, request.tenant)


async def demo(args: str, request: Request, services: Services) -> Reply:
    """`/projects demo load [anyway]` and `/projects demo remove`."""
    from bot.demo import load_demo, remove_demo

    words = args.lower().split()
    verb = words[0] if words else ""
    if verb in {"load", "add", "try"}:
        added, own = await load_demo(services, request.tenant, anyway="anyway" in words)
        if not added:
            return text_reply(
                "The demo portfolio is already loaded. `/projects demo remove` takes it out."
            )
        mixed = f" alongside your own {own}" if own else ""
        return text_reply(
            f"Loaded the demo portfolio: {added} fictional past projects{mixed}. Try "
            "`/scope Shopify store with a custom theme and subscriptions`, or "
            "`/projects search booking app`. When you're done, `/projects demo remove` takes "
            "every trace of it out again."
        )
    if verb in {"remove", "delete", "unload", "clear"}:
        removed = await remove_demo(services, request.tenant)
        if not (removed.projects or removed.scope_runs or removed.estimates):
            return text_reply("There is no demo data in this workspace.")
        text = (
            f"Removed the demo: {removed.projects} demo project(s), {removed.scope_runs} "
            f"estimate answer(s) based on them and {removed.estimates} saved estimate(s)."
        )
        if removed.estimates_kept:
            text += (
                f" Kept {removed.estimates_kept} saved estimate(s) a real project was started "
                "from: they belong to that project now."
            )
        return text_reply(text + " Your own projects were not touched.")
    return text_reply(
        "`/projects demo load` adds a demo portfolio of 50 fictional past projects to try "
        "Atelier on; `/projects demo remove` takes every trace of it out again."
    )


def _one_id(sub: str, args: str) -> str:
    words = args.split()
    if len(words) != 1:
        raise SkillError(f"Which past project? Usage: `/projects {sub} <id>`.")
    return words[0]


async def list_removed(request: Request, services: Services, page: int | None = 1) -> Reply:
    """One page of the removed past projects (every one in the facts with ``page`` None)."""
    removed = await corrections.removed_projects(services, request.tenant)
    if not removed:
        return text_reply("No past project has been removed.")
    from knowledge.models import PastProject

    total = len(removed)
    pages = max(1, -(-total // LIST_LIMIT))
    number = page or 1
    first = (number - 1) * LIST_LIMIT
    shown = removed[first : first + LIST_LIMIT]
    listed = []
    rows: list[tuple[str, str, str]] = []
    for row in removed if page is None else shown:
        project = PastProject.model_validate_json(row.project)
        listed.append({**project_facts(project), "removed_at": row.removed_at.isoformat()})
    for row in shown:
        project = PastProject.model_validate_json(row.project)
        rows.append((project.id, _safe(_short(project.title)), str(row.removed_at.date())))
    facts = _listing_facts("removed", total, page, pages, listed)
    if number > pages:
        return _past_the_end(total, pages, number, _paging(request, "removed"), facts)
    line = _page_line(first, len(shown), total, number, pages, _paging(request, "removed"))
    return Reply(
        blocks=(
            Heading(text="Removed past projects"),
            Table(
                columns=("id", "title", "removed"),
                rows=tuple(rows),
                caption="Put one back with `/projects restore <id>`.",
            ),
            Paragraph(text=line),
        ),
        facts=facts,
    )


def _where(source: str, line: int | None) -> str:
    return ", ".join(x for x in (source, f"line {line}" if line else "") if x)


async def reindex(request: Request, services: Services) -> Reply:
    """Re-embed every past project of the workspace with the configured model.

    An admin command: it is needed only after whoever runs Atelier changed
    ``ATELIER_EMBEDDINGS``, and it keeps the machine busy for minutes on a large history, so
    members can't start it. Workspace admins can, and so can whoever runs Atelier (the console
    and the command line are on its machine).
    """
    if not (request.access.is_admin or request.platform in _FILE_PLATFORMS):
        return refusal_reply(
            "Re-indexing re-embeds every past project of this workspace, so it is for "
            "workspace admins: ask one of them, or whoever runs Atelier "
            f"(`atelier projects reindex --tenant {request.tenant}`). Nothing was changed."
        )
    count = await _call(services, lambda store: store.reindex(request.tenant))
    model = _model_name(services)
    facts = {"tenant": request.tenant, "reindexed": count, "model": model}
    with_model = f" with {model}" if model else " with the current embedding model"
    return Reply(
        blocks=(Paragraph(text=f"Re-indexed {count} past project(s){with_model}."),),
        facts=facts,
    )


def _model_name(services: Services) -> str | None:
    # The Chroma store names its embedder; a store that does not (a test's fake) has no name.
    embedder = getattr(services.knowledge, "embedder", None)
    name = getattr(embedder, "name", None)
    return name if isinstance(name, str) else None


async def _delegate(sub: str, args: str, request: Request, services: Services) -> Reply:
    # Imported here: active projects are a separate skill that may be absent or still loading.
    try:
        from bot.skills.active_projects import handle_subcommand
    except ImportError:
        raise SkillError(f"`/projects {sub}` is not available in this installation.") from None
    return await handle_subcommand(sub, args, request, services)


async def handle(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    sub, _, args = text.partition(" ")
    sub = sub.lower()
    args = args.strip()
    if request.attachments and sub != "import":
        # A file came with the command (`/projects` with a file attached): it is an import.
        return await import_projects(text, request, services)
    if not sub or sub in {"help", "?"}:
        return text_reply(USAGE)
    if sub in _DELEGATED:
        return await _delegate(sub, args, request, services)
    if sub == "list":
        rest, page = _parse_page(args)
        which = rest.lower().split()[0] if rest else "closed"
        if which == "active":
            if page != 1:
                return refusal_reply(
                    "`/projects list active` shows every active project at once; pages are "
                    "for `/projects list closed` and `/projects list removed`."
                )
            return await _delegate("active", "", request, services)
        if which == "removed" and len(rest.split()) == 1:
            return await list_removed(request, services, page)
        if which not in {"closed", "past", "all"} or len(rest.split()) > 1:
            return refusal_reply(
                "Use `/projects list closed` or `/projects list removed` (`page 2` for the next "
                "page), or `/projects list active`."
            )
        return await list_closed(request, services, page)
    if sub == "edit":
        return text_reply(await corrections.edit(services, request.tenant, args))
    if sub in {"remove", "delete"}:
        return text_reply(
            await corrections.remove(services, request.tenant, _one_id(sub, args), request.user_id)
        )
    if sub == "restore":
        return text_reply(await corrections.restore(services, request.tenant, _one_id(sub, args)))
    if sub in {"search", "find"}:
        return await search(args, request, services)
    if sub == "show":
        return await show(args, request, services)
    if sub == "import":
        return await import_projects(args, request, services)
    if sub == "demo":
        return await demo(args, request, services)
    if sub in {"reindex", "re-index"}:
        return await reindex(request, services)
    return await search(text, request, services)


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="projects",
            summary="Search, show, list, add, close, correct and import past projects",
            usage="search <words> | show <id> | list [closed|active|removed] [page N] | add "
            "| close | reopen | edit | remove | restore | import | demo load|remove",
            examples=(
                "search Shopify store with a custom theme",
                "show demo-001",
                "list closed",
                "list active",
                "add",
            ),
            handler=handle,
            option=("command", "e.g. search shopify theme, show demo-001, list active, add"),
        )
    )
    registry.intent(
        "projects",
        r"^(?:please\s+)?(?:search|find|show me|look up)\s+(?:my\s+|our\s+)?"
        r"(?:past\s+|similar\s+|old\s+)?projects?\s+"
        r"(?:about|like|with|for|on|similar to)\s+(?P<text>.+)$",
        priority=60,
        text_group="text",
    )


__all__ = ["USAGE", "handle", "setup"]
