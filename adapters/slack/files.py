"""Files shared in a DM with Atelier: ``files.info``, then the download, as neutral attachments.

Slack hands the event a file id; ``files.info`` says the file's name, size and private URL,
and the download needs the bot token as a Bearer header. The token is only ever sent to Slack's
own file host (or to the configured API host, for a self-hosted or test API), never to a URL
that merely came in a payload. A file bigger than the chat limit is not downloaded at all: it
reaches the core without content, and the core says how to import it instead.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.logs import get_logger
from bot.messages import MAX_ATTACHMENT_BYTES, Attachment

log = get_logger(__name__)

MAX_FILES = 5  # per message; more are named in the core's answer
DOWNLOAD_TIMEOUT_SECONDS = 30.0


class FileUnavailable(Exception):
    """Slack would not give us a shared file (gone, no access, timed out)."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


def _trusted_hosts(client: AsyncWebClient) -> set[str]:
    api_host = urlsplit(client.base_url).hostname or ""
    return {"files.slack.com", api_host}


def _trusted(url: str, hosts: set[str]) -> bool:
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https" or host in {"127.0.0.1", "localhost", "::1"}
    return secure and (host in hosts or host.endswith(".slack.com"))


async def fetch_attachments(
    client: AsyncWebClient,
    session: Callable[[], aiohttp.ClientSession],
    file_ids: list[str],
) -> tuple[Attachment, ...]:
    """The shared files as attachments (bytes included when small enough).

    Raises :class:`FileUnavailable` naming the first file that could not be fetched.
    """
    token = client.token or ""
    hosts = _trusted_hosts(client)
    found: list[Attachment] = []
    for file_id in file_ids[:MAX_FILES]:
        session()  # the shared connection pool, bound to the client as well
        try:
            info = await client.files_info(file=file_id)
        except SlackApiError as problem:
            code = str(problem.response.get("error", "")) if problem.response else ""
            log.warning("slack_file_info_failed", file_id=file_id, error=code)
            raise FileUnavailable("that file", code or "Slack did not describe it") from None
        except (aiohttp.ClientError, TimeoutError) as problem:
            log.warning("slack_file_info_failed", file_id=file_id, error=type(problem).__name__)
            raise FileUnavailable("that file", "Slack did not answer") from None
        data = info.get("file") or {}
        name = str(data.get("name") or data.get("title") or file_id)[:255]
        size = int(data.get("size") or 0)
        mimetype = str(data.get("mimetype") or "")
        if size > MAX_ATTACHMENT_BYTES:
            found.append(Attachment(filename=name, size=size, content_type=mimetype))
            continue
        url = str(data.get("url_private_download") or data.get("url_private") or "")
        if not url or not _trusted(url, hosts):
            log.warning("slack_file_url_refused", file_id=file_id, host=urlsplit(url).hostname)
            raise FileUnavailable(name, "Slack gave no download link I can use")
        content = await _download(session(), url, token, name)
        found.append(
            Attachment(filename=name, size=len(content), content=content, content_type=mimetype)
        )
    return tuple(found)


async def _download(session: aiohttp.ClientSession, url: str, token: str, name: str) -> bytes:
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=DOWNLOAD_TIMEOUT_SECONDS)
    try:
        async with session.get(url, headers=headers, timeout=timeout) as response:
            if response.status != 200:
                log.warning("slack_file_download_failed", status=response.status)
                raise FileUnavailable(name, f"the download failed (HTTP {response.status})")
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.content.iter_chunked(1 << 16):
                total += len(chunk)
                if total > MAX_ATTACHMENT_BYTES:  # bigger than files.info said: stop reading
                    raise FileUnavailable(
                        name,
                        f"it is bigger than the {MAX_ATTACHMENT_BYTES // 1_048_576} MB chat limit",
                    )
                chunks.append(chunk)
    except (aiohttp.ClientError, TimeoutError) as problem:
        log.warning("slack_file_download_failed", error=type(problem).__name__)
        raise FileUnavailable(name, "the download did not finish") from None
    return b"".join(chunks)


__all__ = ["FileUnavailable", "fetch_attachments"]
