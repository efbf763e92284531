#!/usr/bin/env python3
"""Seeds a fresh dyad for the API fuzz run (.ci/api-fuzz.sh) through its own API.

Creates a participant pair with an intake draft, a journal entry and a message, a staff member
(provisioned with `dyad admin create` beforehand) on the duo's care team, and the first admin
with TOTP enrolled. Prints shell assignments of bearer tokens and ids on stdout.
Only the standard library: it runs before anything is installed.
"""

import argparse
import base64
import glob
import hashlib
import hmac
import json
import os
import re
import struct
import sys
import time
import urllib.error
import urllib.request


def call(base, method, path, body=None, token=None, expect=(200, 201, 204)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req) as r:
            status, text = r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in expect:
        sys.exit(f"seed: {method} {path} answered {status}: {text}")
    return json.loads(text) if text else None


def totp(secret_b32, at=None):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((at or time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


def mailed_token(data_dir, to, prefix):
    """The token of the newest `<base>/<prefix>/<token>` link mailed to `to`."""
    mails = sorted(glob.glob(os.path.join(data_dir, "outbox", "*.eml")), key=os.path.getmtime)
    for path in reversed(mails):
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read()
        if f"To: {to}" in text:
            m = re.search(rf"/{prefix}/([A-Za-z0-9_-]+)", text)
            if m:
                return m.group(1)
    sys.exit(f"seed: no {prefix} link mailed to {to}")


def full_staff_session(base, email, password, new_password=None):
    """Signs in, changes a one-time password if asked, enrols TOTP and signs in again with a
    recovery code (a TOTP code works once per 30 s step; a recovery code needs no waiting)."""
    print(f"seed: signing in {email}", file=sys.stderr)
    pending = call(base, "POST", "/api/v1/auth/login", {"email": email, "password": password})
    token = pending["token"]
    if "change_password" in pending.get("required", []):
        call(base, "POST", "/api/v1/me/password",
             {"current_password": password, "new_password": new_password}, token)
        password = new_password
    secret = call(base, "POST", "/api/v1/me/totp/enrol", {}, token)["secret"]
    codes = call(base, "POST", "/api/v1/me/totp/confirm", {"code": totp(secret)}, token)
    full = call(base, "POST", "/api/v1/auth/login",
                {"email": email, "password": password, "totp": codes["recovery_codes"][0]})
    if full.get("required"):
        sys.exit(f"seed: {email} still has steps to take: {full['required']}")
    return full["token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--admin-password", required=True)
    ap.add_argument("--staff-email", required=True)
    ap.add_argument("--staff-password", required=True)
    a = ap.parse_args()
    base = a.base

    admin = full_staff_session(base, "admin@dyad.local", a.admin_password,
                               "an admin passphrase for the fuzz run")
    staff = full_staff_session(base, a.staff_email, a.staff_password)
    staff_id = call(base, "GET", "/api/v1/me", token=staff)["id"]

    joined = call(base, "POST", "/api/v1/signup", {
        "name": "Alex", "email": "alex@example.org", "password": "alex's own long passphrase",
        "relationship": "couple", "motivation": "We want to talk about last year.",
        "partner": {"name": "Bo", "email": "bo@example.org"},
        "age_confirmed": True, "accept_documents": True})
    duo_id, a_pid = joined["duo_id"], joined["participant_id"]
    call(base, "POST", f"/api/v1/verify/{mailed_token(a.data, 'alex@example.org', 'verify')}", {})
    invite = mailed_token(a.data, "bo@example.org", "join")
    b = call(base, "POST", f"/api/v1/invitations/{invite}/accept", {
        "name": "Bo", "password": "bo's very own passphrase", "motivation": "To feel close again.",
        "age_confirmed": True, "accept_documents": True})
    participant = call(base, "POST", "/api/v1/auth/login",
                       {"email": "alex@example.org", "password": "alex's own long passphrase"})["token"]
    call(base, "PUT", f"/api/v1/duos/{duo_id}/team",
         {"members": [{"user_id": staff_id, "role": "clinician"}]}, staff)
    # Something to read back, so the answers the schema is checked against are not empty.
    call(base, "PUT", "/api/v1/me/intake", {"answers": {"goals": "Feel closer"}}, participant)
    call(base, "POST", "/api/v1/me/journal",
         {"text": "First entry", "tag": "ours", "share": {"partner": True, "team": True}}, participant)
    call(base, "POST", "/api/v1/me/messages", {"text": "Hello team"}, participant)
    call(base, "POST", f"/api/v1/participants/{a_pid}/messages", {"text": "Hello Alex"}, staff)

    print(f"ADMIN_TOKEN={admin}")
    print(f"STAFF_TOKEN={staff}")
    print(f"PARTICIPANT_TOKEN={participant}")
    print(f"DUO_ID={duo_id}")
    print(f"PARTICIPANT_ID={a_pid}")
    print(f"PARTNER_ID={b['participant_id']}")


if __name__ == "__main__":
    main()
