#!/usr/bin/env python3
"""Replays the Pixeltable starter kit frontend's requests (frontend/src/lib/api.ts)
against a running pxtc, exactly as the browser sends them, and checks each answer
the way the frontend reads it.

usage: kit_replay.py BASE_URL PDF PNG VIDEO

The frontend's habits kept here: every GET and JSON POST carries
Content-Type: application/json; an upload is multipart with the file under its media
type's name and `timestamp` as new Date().toISOString() (milliseconds and Z); a job is
followed by polling new URL(job_url).pathname every 1.5 s.
"""
import datetime
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

BASE, PDF, PNG, VIDEO = sys.argv[1:5]
JSON_CT = {"Content-Type": "application/json"}


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def request(path, method="GET", body=None, headers=None):
    """api.ts request(): JSON Content-Type always, the answer parsed; (status, json)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(BASE + path, data=data, method=method,
                                 headers=dict(JSON_CT, **(headers or {})))
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, json.loads(res.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def ok(path, method="GET", body=None):
    status, answer = request(path, method, body)
    if status != 200:
        fail("%s %s: %d %s" % (method, path, status, answer))
    return answer


def iso_now():
    """new Date().toISOString(): UTC, milliseconds, Z."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)


def upload(kind, path):
    """uploadFile(): multipart with the file and timestamp, no JSON Content-Type."""
    boundary = "----WebKitFormBoundary" + uuid.uuid4().hex[:16]
    name = os.path.basename(path)
    with open(path, "rb") as f:
        content = f.read()
    parts = [
        b"--" + boundary.encode(),
        ('Content-Disposition: form-data; name="%s"; filename="%s"' % (kind, name)).encode(),
        b"Content-Type: application/octet-stream", b"", content,
        b"--" + boundary.encode(),
        b'Content-Disposition: form-data; name="timestamp"', b"", iso_now().encode(),
        b"--" + boundary.encode() + b"--", b""]
    req = urllib.request.Request(
        BASE + "/api/data/upload/" + kind, data=b"\r\n".join(parts), method="POST",
        headers={"Content-Type": "multipart/form-data; boundary=" + boundary})
    try:
        with urllib.request.urlopen(req, timeout=120) as res:
            data = json.loads(res.read())
    except urllib.error.HTTPError as e:
        fail("upload %s: %d %s" % (kind, e.code, e.read()[:500]))
    if "job_url" in data:
        return {"jobPath": urllib.parse.urlsplit(data["job_url"]).path, "raw": data}
    return data


def poll_job(job_path, limit_s=120):
    """pollJob(): every 1.5 s until done (the result) or error (a failure)."""
    start = time.time()
    while time.time() - start < limit_s:
        time.sleep(1.5)
        res = ok(job_path)
        if res["status"] == "done":
            return res.get("result") or {}
        if res["status"] == "error":
            fail("job %s: %s" % (job_path, res.get("error")))
    fail("job %s still pending after %d s" % (job_path, limit_s))


def get_files():
    """getFiles(): the three lists, rows of uuid, name, thumbnail, timestamp."""
    files = {}
    for kind in ("documents", "images", "videos"):
        answer = ok("/api/data/list/" + kind)
        if not isinstance(answer.get("rows"), list):
            fail("list %s: no rows: %s" % (kind, answer))
        files[kind] = answer["rows"]
    return files


def basename(u):
    return str(u).split("/")[-1]


# every tab loads on an empty app
files = get_files()
if any(files.values()):
    fail("a fresh app lists files: %s" % files)
if ok("/api/agent/messages").get("rows") != []:
    fail("a fresh chat history has messages")

# an image: answered at once with its uuid and a base64 PNG thumbnail
img = upload("image", PNG)
if set(img) != {"uuid", "thumbnail"}:
    fail("image upload answer: %s" % sorted(img))
uuid.UUID(img["uuid"])
import base64
if not base64.b64decode(img["thumbnail"]).startswith(b"\x89PNG"):
    fail("image thumbnail is no base64 PNG")

# a document: a background job, its job_url absolute, the result its uuid
doc = upload("document", PDF)
if "jobPath" not in doc:
    fail("document upload answered no job: %s" % doc)
if not doc["raw"]["job_url"].startswith(BASE + "/api/data/_pxt/jobs/"):
    fail("job_url %s is not under %s/api/data/_pxt/jobs/" % (doc["raw"]["job_url"], BASE))
doc_uuid = poll_job(doc["jobPath"]).get("uuid")
uuid.UUID(str(doc_uuid))

# a video: a background job as well
vid = upload("video", VIDEO)
vid_uuid = poll_job(vid["jobPath"]).get("uuid")
uuid.UUID(str(vid_uuid))

# the lists: each file once, newest first, names ending with the file's name
files = get_files()
for kind, want, path in (("documents", doc_uuid, PDF), ("images", img["uuid"], PNG),
                         ("videos", vid_uuid, VIDEO)):
    rows = files[kind]
    if [r["uuid"] for r in rows] != [want]:
        fail("list %s: %s" % (kind, rows))
    if not {"uuid", "name", "timestamp"} <= set(rows[0]):
        fail("list %s row: %s" % (kind, rows[0]))
    if not basename(rows[0]["name"]).split("?")[0].endswith(os.path.splitext(path)[1]):
        fail("list %s name: %s" % (kind, rows[0]["name"]))
if not base64.b64decode(files["images"][0]["thumbnail"]).startswith(b"\x89PNG"):
    fail("listed image thumbnail")

# the document's chunks, in order, with its title
chunks = ok("/api/data/chunks", "POST", {"file_uuid": doc_uuid})["rows"]
if not chunks or not all({"text", "title", "heading", "page"} <= set(c) for c in chunks):
    fail("chunks: %s" % chunks[:2])
if "granite" not in " ".join(c["text"] or "" for c in chunks):
    fail("chunks miss the document's text: %s" % chunks[:2])
if chunks[0]["title"] != "Stone Bridges":
    fail("chunk title: %s" % chunks[0]["title"])

# search(): every endpoint with {"query_text"}; the ones pxtc lacks yet fail soft
docs = ok("/api/search/documents", "POST", {"query_text": "granite arches"})["rows"]
if not docs or docs[0]["uuid"] != doc_uuid:
    fail("search documents: %s" % docs[:2])
for r in docs:
    if not {"text", "uuid", "sim", "title", "source"} <= set(r):
        fail("search documents row: %s" % r)
    if not -1.0 <= r["sim"] <= 1.0:
        fail("sim %s is no cosine similarity" % r["sim"])
if [r["sim"] for r in docs] != sorted((r["sim"] for r in docs), reverse=True):
    fail("search documents not best first")
imgs = ok("/api/search/images", "POST", {"query_text": "anything"})["rows"]
for r in imgs:
    if not {"uuid", "sim", "thumbnail", "source"} <= set(r):
        fail("search images row: %s" % r)

# the agent tab: conversations and one conversation
ok("/api/agent/conversation", "POST", {"conversation_id": "default"})

# delete each file: {"num_rows": 1}, then the lists are empty again
for kind, u in (("document", doc_uuid), ("image", img["uuid"]), ("video", vid_uuid)):
    answer = ok("/api/data/delete/" + kind, "POST", {"uuid": u})
    if answer != {"num_rows": 1}:
        fail("delete %s: %s" % (kind, answer))
if any(get_files().values()):
    fail("files left after delete")
if ok("/api/data/chunks", "POST", {"file_uuid": doc_uuid})["rows"]:
    fail("chunks left after delete")
if ok("/api/agent/delete-conversation", "POST", {"conversation_id": "none"}) != {"num_rows": 0}:
    fail("delete-conversation")
print("starter kit replay: ok")
