"""Importing past projects from CSV, JSON / JSON Lines and Markdown files.

Formats (chosen by extension):

- **CSV** (``.csv``): a header row naming :class:`PastProject` fields. ``phases`` as
  ``design:10;build:40``, ``tags`` as ``shopify;custom-theme``, ``lessons`` and ``assets`` as
  ``first|second``. Empty cells are "not known".
- **JSON** (``.json``): an array of project objects; **JSON Lines** (``.jsonl``, ``.ndjson``):
  one object per line.
- **Markdown** (``.md``; or a directory of them): one project per file, YAML front matter for
  the fields, the body is the summary, and a ``## Lessons`` section lists lessons as bullets.

Every row is validated on its own: valid rows are imported, invalid ones come back in the
report with their line number, field and a plain message. Hour figures go through the same
plausibility rules as ``/log`` and ``/projects close`` (:mod:`knowledge.plausibility`): an
impossible figure is a problem, an unusual one is imported only when confirmed. A project
without an id gets a stable one (a hash of title, client and start date), so importing the same
file again updates instead of duplicating, but a row never overwrites a project that was closed
in Atelier (its actuals came from the log) unless the import is explicitly an update.

The whole file is read and validated before anything is written: a file that can't be read to
the end (not UTF-8, nested too deeply, a cell too long for CSV, broken JSON…) is refused with the
line and the reason, and nothing is stored.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from knowledge.csv_dialect import sniff_delimiter
from knowledge.models import TRACKED, PastProject, stable_id
from knowledge.plausibility import check_hours
from knowledge.store import BATCH, ProjectStore

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
FORMATS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".md": "markdown",
    ".markdown": "markdown",
}
_FIELDS = set(PastProject.model_fields) - {"origin"}  # where a project came from is not data
_LIST_SEPARATORS = {"tags": ";", "lessons": "|", "assets": "|"}

Progress = Callable[[int, int | None], None]  # (rows done, rows expected or None)


class ImportRefused(ValueError):
    """The whole file can't be imported (wrong type, too big, not UTF-8, empty…)."""


@dataclass
class _Cursor:
    """Where a reader is, so a failure deep inside a parser can still name the line."""

    source: str
    line: int | None = None

    def where(self) -> str:
        return f"{self.source}, line {self.line}" if self.line else self.source


@dataclass(frozen=True)
class Problem:
    """Why one row (or file) was not imported; ``confirmable`` when confirming would import it."""

    line: int | None
    field: str
    message: str
    source: str = ""
    confirmable: bool = False

    def __str__(self) -> str:
        where = [self.source] if self.source else []
        if self.line is not None:
            where.append(f"line {self.line}")
        place = ", ".join(where)
        subject = f"{self.field}: " if self.field else ""
        return f"{place}: {subject}{self.message}" if place else f"{subject}{self.message}"


@dataclass(frozen=True)
class Row:
    """A valid project and where it came from."""

    line: int | None
    project: PastProject
    source: str = ""


@dataclass
class ImportReport:
    path: str
    format: str
    rows: int = 0
    imported: int = 0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = f"Imported {self.imported} of {self.rows} project(s) from {Path(self.path).name}"
        if self.problems:
            text += f"; {self.rows - self.imported} not imported (see below)"
        return text + "."

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows": self.rows,
            "imported": self.imported,
            "ids": self.ids,
            "problems": [
                {
                    "source": p.source,
                    "line": p.line,
                    "field": p.field,
                    "message": p.message,
                    "confirmable": p.confirmable,
                }
                for p in self.problems
            ],
            "warnings": self.warnings,
        }


# --- checking files -----------------------------------------------------------------------


def detect_format(path: Path) -> str:
    if path.is_dir():
        return "markdown"
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ImportRefused(
            f"{path.name} is not a file I can import: use .csv, .json, .jsonl or .md "
            "(Markdown with YAML front matter), or a folder of .md files."
        )
    return found


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in {".md", ".markdown"})
        if not files:
            raise ImportRefused(f"the folder {path.name} has no .md files to import.")
        return files
    return [path]


def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Refuse, before anything is written, a file that can't be imported whole."""
    if not path.exists():
        raise ImportRefused(f"{path} does not exist.")
    if not path.is_file():
        raise ImportRefused(f"{path} is not a file.")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportRefused(
            f"{path.name} is {size / 1_048_576:.1f} MB; the import limit is "
            f"{max_bytes / 1_048_576:.0f} MB. Split it into smaller files (or raise the limit "
            "with --max-mb)."
        )
    if size == 0:
        raise ImportRefused(f"{path.name} is empty.")
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as problem:
                position = offset + problem.start
                raise ImportRefused(
                    f"{path.name} is not UTF-8 text (byte {position:,} can't be read). "
                    "Save it as UTF-8 (in Excel: 'CSV UTF-8') and import it again."
                ) from None
            if "\x00" in text:
                raise ImportRefused(f"{path.name} looks like a binary file, not text.")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ImportRefused(f"{path.name} ends in the middle of a UTF-8 character.") from None
    with path.open("r", encoding="utf-8-sig") as handle:
        if not any(line.strip() for line in handle):
            raise ImportRefused(f"{path.name} is empty.")


# --- turning raw values into projects -----------------------------------------------------


def _problems(error: ValidationError, line: int | None, source: str) -> list[Problem]:
    found = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        message = str(item["msg"]).removeprefix("Value error, ")
        found.append(Problem(line, name, message, source))
    return found


def _implausible(
    project: PastProject, line: int | None, source: str, confirmed: bool
) -> list[Problem]:
    found = []
    checks = (
        ("estimated_hours", project.estimated_hours, "estimate", None),
        ("actual_hours", project.actual_hours, "actual", project.estimated_hours),
    )
    for name, value, kind, estimate in checks:
        # `kind` is one of the literal kinds listed just above; the tuple loses the Literal.
        problem = check_hours(value, kind, estimate=estimate, confirmed=confirmed)  # type: ignore[arg-type]
        if problem is not None:
            message = problem.reason
            if problem.confirmable:
                message += "; if it is right, import again and confirm"
            found.append(Problem(line, name, message, source, problem.confirmable))
    return found


def build_project(
    data: dict[str, Any],
    line: int | None,
    source: str,
    now: dt.datetime,
    *,
    confirmed: bool = False,
) -> Row | list[Problem]:
    """Validate one raw record; fill a stable id and timestamps when missing.

    Hours must also be plausible (``confirmed`` waives the doubts a user may overrule).
    """
    data = {k: v for k, v in data.items() if v not in (None, "") and k != "origin"}
    data.setdefault("created", now)
    data.setdefault("updated", now)
    if "id" in data:
        data["id"] = str(data["id"]).strip()
    else:
        try:
            started = dt.date.fromisoformat(str(data["started"])) if "started" in data else None
        except ValueError:
            started = None  # the model reports the bad date
        data["id"] = stable_id(str(data.get("title", "")), data.get("client"), started)
    try:
        project = PastProject.model_validate(data)
    except ValidationError as error:
        return _problems(error, line, source)
    return _implausible(project, line, source, confirmed) or Row(line, project, source)


def _split(text: str, separator: str) -> list[str]:
    return [part.strip() for part in text.split(separator) if part.strip()]


def _csv_record(raw: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """CSV cells -> field values; also the cells that could not be read."""
    data: dict[str, Any] = {}
    bad: list[tuple[str, str]] = []
    for key, value in raw.items():
        if key is None or key not in _FIELDS:
            continue
        value = (value or "").strip()
        if not value:
            continue
        if key == "phases":
            phases: dict[str, Any] = {}
            for part in _split(value, ";"):
                name, colon, hours = part.partition(":")
                if not colon:
                    bad.append(("phases", f"{part!r} should look like design:10"))
                    continue
                phases[name.strip()] = hours.strip()
            data[key] = phases
        elif key in _LIST_SEPARATORS:
            separator = _LIST_SEPARATORS[key]
            if key == "tags" and ";" not in value and "," in value:
                separator = ","
            data[key] = _split(value, separator)
        else:
            data[key] = value
    return data, bad


def parse_cells(cells: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Text values as written in a CSV cell (``tags=shopify;theme``, ``phases=design:10``) ->
    field values, and the (field, message) pairs that could not be read. Also used to correct
    one project with ``key=value`` pairs."""
    return _csv_record(cells)


# --- readers: each yields (line, raw dict) or a Problem -----------------------------------

Raw = tuple[int | None, dict[str, Any]]


# One cell of a project record is a summary or a list of lessons, never a document. The csv
# module's limit is process-wide and the CSV backtest raises it for long issue texts, so the
# importer sets its own before every read rather than inheriting whatever ran last.
MAX_CSV_CELL = 131_072


def _read_csv(path: Path, report: ImportReport, cursor: _Cursor) -> Iterator[Raw | Problem]:
    cursor.line = 1
    csv.field_size_limit(MAX_CSV_CELL)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        # Spreadsheets in many locales export with ';' (or tabs) between cells.
        first = handle.readline()
        handle.seek(0)
        reader = csv.DictReader(handle, delimiter=sniff_delimiter(first))
        header = reader.fieldnames or []
        unknown = [name for name in header if name and name.strip() not in _FIELDS]
        if unknown:
            report.warnings.append(
                "ignored column(s) that are not project fields: " + ", ".join(unknown)
            )
        if "title" not in header or "summary" not in header:
            yield Problem(
                1, "", "the header row needs at least 'title' and 'summary' columns", path.name
            )
            return
        reader.fieldnames = [name.strip() for name in header]
        while True:
            cursor.line = reader.line_num + 1  # the row being read, if it fails
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as problem:
                raise ImportRefused(f"{cursor.where()}: {_csv_reason(problem)}") from None
            line = cursor.line = reader.line_num
            if not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                continue
            if None in raw:
                yield Problem(line, "", "more cells than header columns", path.name)
                continue
            data, bad = _csv_record(raw)
            if bad:
                for name, message in bad:
                    yield Problem(line, name, message, path.name)
                continue
            yield line, data


def _csv_reason(problem: csv.Error) -> str:
    text = str(problem)
    if "field larger than field limit" in text:
        return (
            f"a cell is longer than {MAX_CSV_CELL:,} characters (a quote left open, "
            "or a whole document in one cell)"
        )
    return f"the CSV can't be read ({text})"


def _read_jsonl(path: Path, report: ImportReport, cursor: _Cursor) -> Iterator[Raw | Problem]:
    with path.open("r", encoding="utf-8-sig") as handle:
        for number, text in enumerate(handle, start=1):
            cursor.line = number
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as problem:
                yield Problem(number, "", f"not valid JSON ({problem.msg})", path.name)
                continue
            if not isinstance(item, dict):
                yield Problem(number, "", "each line must be a JSON object", path.name)
                continue
            yield number, item


def _read_json(path: Path, report: ImportReport, cursor: _Cursor) -> Iterator[Raw | Problem]:
    """A JSON array, decoded item by item so each one keeps its line number."""
    text = path.read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        yield Problem(_line_of(text, position), "", "the file must hold a JSON array", path.name)
        return
    position = _skip_space(text, position + 1)
    if position < len(text) and text[position] == "]":
        return
    while position < len(text):
        line = cursor.line = _line_of(text, position)
        try:
            item, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as problem:
            yield Problem(
                _line_of(text, problem.pos), "", f"not valid JSON ({problem.msg})", path.name
            )
            return  # the rest of the array can't be located reliably
        if isinstance(item, dict):
            yield line, item
        else:
            yield Problem(line, "", "each item must be a JSON object", path.name)
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
        elif position < len(text) and text[position] == "]":
            return
        else:
            yield Problem(_line_of(text, position), "", "expected ',' or ']'", path.name)
            return


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _line_of(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def parse_markdown(text: str, source: str) -> Raw | Problem:
    """One project from Markdown with YAML front matter."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return Problem(1, "", "must start with YAML front matter between '---' lines", source)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."})
    except StopIteration:
        return Problem(1, "", "the front matter is not closed with a '---' line", source)
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as problem:
        mark = getattr(problem, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        reason = getattr(problem, "problem", None) or "invalid YAML"
        return Problem(line, "", f"front matter is not valid YAML ({reason})", source)
    if not isinstance(meta, dict):
        return Problem(2, "", "front matter must be 'field: value' lines", source)
    summary, sections = _markdown_sections(lines[end + 1 :])
    data: dict[str, Any] = {str(k): v for k, v in meta.items()}
    if summary and not data.get("summary"):
        data["summary"] = summary
    for name in ("lessons", "assets"):
        if sections.get(name) and not data.get(name):
            data[name] = sections[name]
    return 1, data


def _markdown_sections(body: list[str]) -> tuple[str, dict[str, list[str]]]:
    """Body text before the first known heading is the summary; bullets under
    ``## Lessons`` / ``## Assets`` become lists."""
    summary: list[str] = []
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for text in body:
        stripped = text.strip()
        heading = stripped.lstrip("#").strip().rstrip(":").lower() if stripped else ""
        if stripped.startswith("#") and heading in {"lessons", "lessons learned", "assets"}:
            current = "lessons" if heading.startswith("lessons") else "assets"
            sections.setdefault(current, [])
            continue
        if stripped.startswith("#") and current is None and not summary:
            continue  # a title heading above the summary
        if current is None:
            summary.append(text)
        elif stripped.startswith(("- ", "* ", "+ ")):
            sections[current].append(stripped[2:].strip())
        elif stripped and sections[current]:
            sections[current][-1] += " " + stripped  # a wrapped bullet
    return "\n".join(summary).strip(), sections


def _read_markdown(path: Path, report: ImportReport, cursor: _Cursor) -> Iterator[Raw | Problem]:
    for file in _files(path):
        cursor.source, cursor.line = file.name, None
        parsed = parse_markdown(file.read_text(encoding="utf-8-sig"), file.name)
        if isinstance(parsed, Problem):
            yield parsed
        else:
            yield None, {**parsed[1], "__source": file.name}


_READERS = {"csv": _read_csv, "json": _read_json, "jsonl": _read_jsonl, "markdown": _read_markdown}


def read_projects(
    path: Path,
    report: ImportReport,
    now: dt.datetime | None = None,
    *,
    confirmed: bool = False,
    cursor: _Cursor | None = None,
) -> Iterator[Row | Problem]:
    """Every record of an already-checked file, validated, duplicates flagged."""
    now = now or dt.datetime.now(dt.UTC)
    seen: dict[str, str] = {}
    cursor = cursor or _Cursor(path.name)
    for item in _READERS[report.format](path, report, cursor):
        if isinstance(item, Problem):
            yield item
            continue
        line, data = item
        source = str(data.pop("__source", path.name))
        where = f"line {line}" if line is not None else source
        given = str(data.get("id") or "").strip()
        built = build_project(data, line, source, now, confirmed=confirmed)
        project_id = given or (built.project.id if isinstance(built, Row) else "")
        first = seen.get(project_id) if project_id else None
        if first is not None:
            yield Problem(
                line,
                "id",
                f"duplicate id {project_id!r} (first seen at {first}); this one was skipped",
                source,
            )
            continue
        if project_id:
            seen[project_id] = where
        if isinstance(built, list):
            yield from built
        else:
            yield built


def check_path(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Refuse an unusable file (or folder) before anything is written; returns its format."""
    path = Path(path)
    format = detect_format(path)
    for file in _files(path) if path.is_dir() else [path]:
        check_file(file, max_bytes)
    return format


def import_file(
    store: ProjectStore,
    tenant: str,
    path: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    batch_size: int = BATCH,
    progress: Progress | None = None,
    confirmed: bool = False,
    update: bool = False,
) -> ImportReport:
    """Validate a whole file, then store its valid projects for ``tenant``; the report says
    what happened to every row.

    Raises :class:`ImportRefused`, having written nothing, when the file can't be read to its
    end. ``confirmed`` imports hour figures that are unusual but possible; ``update`` lets a row
    replace a project that was closed in Atelier.
    """
    path = Path(path)
    format = check_path(path, max_bytes)
    report = ImportReport(path=str(path), format=format)
    rows = _validated_rows(path, report, confirmed)
    projects = _without_overwrites(store, tenant, rows, report, update)
    for start in range(0, len(projects), batch_size):
        batch = projects[start : start + batch_size]
        report.imported += store.upsert(tenant, batch)
        report.ids.extend(p.id for p in batch)
        if progress:
            progress(report.imported, len(projects))
    if progress:
        progress(len(projects), len(projects))
    return report


def _count_problem(report: ImportReport, item: Problem) -> None:
    # One row can have several problems; count it once.
    last = report.problems[-1] if report.problems else None
    if last is None or (last.line, last.source) != (item.line, item.source):
        report.rows += 1
    report.problems.append(item)


def _validated_rows(path: Path, report: ImportReport, confirmed: bool) -> list[Row]:
    """Every valid project of the file, read to its end before anything is written."""
    cursor = _Cursor(path.name)
    rows: list[Row] = []
    try:
        for item in read_projects(path, report, confirmed=confirmed, cursor=cursor):
            if isinstance(item, Problem):
                _count_problem(report, item)
                continue
            report.rows += 1
            rows.append(item)
    except ImportRefused:
        raise
    except RecursionError:
        raise ImportRefused(
            f"{cursor.where()}: the data is nested too deeply to be a project list"
        ) from None
    except (csv.Error, yaml.YAMLError, ValueError, UnicodeError) as problem:
        reason = str(problem).strip().splitlines()[0][:160] if str(problem).strip() else ""
        raise ImportRefused(
            f"{cursor.where()}: it can't be read ({reason or type(problem).__name__})"
        ) from None
    except MemoryError:
        raise ImportRefused(f"{cursor.where()}: it is too large to read at once") from None
    return rows


def _without_overwrites(
    store: ProjectStore,
    tenant: str,
    rows: list[Row],
    report: ImportReport,
    update: bool,
) -> list[PastProject]:
    """Rows that would replace a project closed in Atelier are held back (unless ``update``)."""
    if update or not rows:
        return [row.project for row in rows]
    existing = store.get_many(tenant, [row.project.id for row in rows])
    kept = []
    for row in rows:
        project = row.project
        found = existing.get(project.id)
        if found is not None and found.origin == TRACKED:
            report.problems.append(
                Problem(
                    row.line,
                    "id",
                    f"{project.id!r} is a project closed in Atelier (its hours came from the "
                    "log); this row would overwrite it. Give the row another id, or import "
                    "again as an update to replace it",
                    row.source,
                )
            )
            continue
        kept.append(project)
    return kept


__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ImportRefused",
    "ImportReport",
    "Problem",
    "Row",
    "check_file",
    "check_path",
    "detect_format",
    "import_file",
    "parse_cells",
    "parse_markdown",
    "read_projects",
]
