"""Webhooks: generic JSON signed with HMAC-SHA256, WeCom (企业微信) and DingTalk (钉钉) group robots.

Generic receivers verify `X-Reminder-Signature: sha256=<hex>` over "<timestamp>.<body>" with the
shared secret, and drop a repeated `X-Reminder-Delivery-Id`: a worker killed after the POST but
before recording the outcome leaves a claim, and the delivery is sent once more, never a third time,
with the same id (services/delivery.py). At most twice on the wire, exactly once with the id.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from ..models import Channel, ReminderDelivery, WebhookFlavor
from . import ChannelError
from .message import Message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The generic webhook signature: hex HMAC-SHA256 of "<timestamp>.<body>"."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def dingtalk_signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64 HMAC-SHA256 of "<timestamp>\\n<secret>", appended to the URL."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    sign_value = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign_value}"


def markdown(message: Message, delivery: ReminderDelivery) -> str:
    ctx = delivery.context
    lines = [f"**{message.title}**"]
    if ctx.get("subject") not in ("digest", "backlog"):  # summaries carry their list in the text
        lines += [
            f"> 事项：{ctx.get('title', '')}",
            f"> 项目：{ctx.get('project', '')}",
            f"> 到期日：{ctx.get('due_date', '')}",
            f"> 逾期工作日：{ctx.get('overdue_days', 0)}",
            f"> 责任单位：{ctx.get('dept') or '—'}",
        ]
    else:
        lines.append(message.text)
    if message.link:
        lines.append(f"[查看详情]({message.link})")
    return "\n".join(lines)


def build_request(delivery: ReminderDelivery, message: Message, *, now: float | None = None) -> tuple[str, bytes, dict[str, str]]:
    """URL, body and headers of the POST for the endpoint's flavor."""
    endpoint = delivery.endpoint
    now = time.time() if now is None else now
    headers = {"Content-Type": "application/json; charset=utf-8", "X-Reminder-Delivery-Id": str(delivery.pk)}
    url = endpoint.url
    if endpoint.flavor == WebhookFlavor.WECOM:
        payload = {"msgtype": "markdown", "markdown": {"content": markdown(message, delivery)}}
    elif endpoint.flavor == WebhookFlavor.DINGTALK:
        payload = {"msgtype": "markdown", "markdown": {"title": message.title[:60], "text": markdown(message, delivery)}}
        if endpoint.secret:
            url = dingtalk_signed_url(url, endpoint.secret, int(now * 1000))
    else:
        payload = {
            "delivery_id": delivery.pk,
            "event": "reminder.digest" if delivery.subject == "digest" else "reminder.due",
            "title": message.title,
            "text": message.text,
            "link": message.link,
            "step": delivery.step_key,
            "occurrence": delivery.occurrence,
            "item": {k: v for k, v in delivery.context.items() if k not in ("overdue_groups", "due_soon_groups")},
        }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    if endpoint.flavor == WebhookFlavor.GENERIC:
        timestamp = str(int(now))
        secret = endpoint.secret or settings.REMINDERS_WEBHOOK_SECRET
        headers["X-Reminder-Timestamp"] = timestamp
        headers["X-Reminder-Signature"] = "sha256=" + sign(secret, timestamp, body)
    return url, body, headers


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ChannelError(f"Webhook地址必须是http或https：{url}", permanent=True)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=settings.REMINDERS_WEBHOOK_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(4096).decode("utf-8", "replace")
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ChannelError(f"Webhook连接失败：{exc}") from exc


class WebhookChannel:
    code = Channel.WEBHOOK

    def send(self, delivery: ReminderDelivery, message: Message) -> None:
        endpoint = delivery.endpoint
        if endpoint is None or not endpoint.enabled:
            raise ChannelError("Webhook地址不存在或已停用。", permanent=True)
        url, body, headers = build_request(delivery, message)
        status, text = post(url, body, headers)
        if status >= 400:
            raise ChannelError(f"Webhook返回HTTP {status}：{text[:200]}", permanent=400 <= status < 500 and status not in (408, 429))
        if endpoint.flavor in (WebhookFlavor.WECOM, WebhookFlavor.DINGTALK):
            # Both robots answer HTTP 200 with {"errcode": …}; non-zero is a failure (bad key, rate limit).
            try:
                errcode = json.loads(text or "{}").get("errcode", 0)
            except ValueError:
                errcode = -1
            if errcode:
                raise ChannelError(f"群机器人返回错误：{text[:200]}")
