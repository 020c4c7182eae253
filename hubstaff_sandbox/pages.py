"""HTML pages of the sandbox's developer site and account server (plain, inline CSS)."""

from __future__ import annotations

from html import escape

CSS = """
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;
color:#1f2733;background:#f4f6fa}header{background:#25282d;color:#fff;padding:12px 24px;display:flex;
align-items:center;gap:16px}header .logo{font-weight:700;font-size:18px}header .badge{background:#ffb020;
color:#25282d;border-radius:4px;padding:2px 8px;font-size:12px;font-weight:700;text-transform:uppercase}
header nav{margin-left:auto;display:flex;gap:16px}header a{color:#cfe3ff;text-decoration:none}
main{max-width:760px;margin:32px auto;padding:0 16px}.card{background:#fff;border:1px solid #dde3ec;
border-radius:8px;padding:24px 28px;margin-bottom:20px}h1{font-size:22px;margin:0 0 16px}
label{display:block;font-weight:600;margin:14px 0 6px}input[type=text],input[type=email],
input[type=password],input[type=url],textarea{width:100%;padding:9px 11px;border:1px solid #c5cdd9;
border-radius:6px;font:inherit}textarea{min-height:90px}.btn{display:inline-block;border:0;border-radius:6px;
padding:9px 18px;font:inherit;font-weight:600;cursor:pointer;text-decoration:none;background:#2b6de8;
color:#fff;margin-top:18px}.btn.secondary{background:#e7ebf2;color:#1f2733}.row{display:flex;gap:12px}
table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:8px;border-bottom:1px solid #eef1f5}
code,.secret{font-family:SFMono-Regular,Menlo,Consolas,monospace;background:#f0f3f8;padding:3px 6px;
border-radius:4px;word-break:break-all}.error{background:#fdecec;color:#a61b1b;border:1px solid #f3c2c2;
padding:10px 12px;border-radius:6px}.muted{color:#6b7686;font-size:13px}ul.scopes li{margin:4px 0}
dl dt{font-weight:600;margin-top:12px}dl dd{margin:4px 0 0}
"""


def page(title: str, body: str, user_email: str | None = None, status_note: str = "") -> str:
    nav = ""
    if user_email:
        nav = (
            f'<nav><a href="/apps">OAuth apps</a><a href="/personal_access_tokens">Personal access tokens</a>'
            f'<span>{escape(user_email)}</span><a href="/logout">Sign out</a></nav>'
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)} · Hubstaff sandbox</title><style>{CSS}</style></head><body>"
        f'<header><span class="logo">Hubstaff</span><span class="badge">Hubstaff sandbox</span>{nav}</header>'
        f"<main>{status_note}{body}</main></body></html>"
    )


def hidden(name: str, value) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(str(value or ""))}">'


def login(next_url: str, error: str = "", email: str = "") -> str:
    err = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return page(
        "Sign in",
        f"""
<div class="card"><h1>Sign in to Hubstaff</h1>{err}
<form method="post" action="/login">{hidden("next", next_url)}
<label for="email">Email</label><input type="email" id="email" name="email" value="{escape(email)}" required autofocus>
<label for="password">Password</label><input type="password" id="password" name="password" required>
<button class="btn" type="submit">Sign in</button></form>
<p class="muted">Sandbox accounts sign in with their e-mail and the password <code>sandbox</code>.</p></div>""",
    )


def apps_list(apps, email: str) -> str:
    rows = "".join(
        f'<tr><td><a href="/apps/{a.id}">{escape(a.name)}</a></td><td><code>{escape(a.client_id)}</code></td></tr>'
        for a in apps
    )
    table = (
        f"<table><tr><th>Name</th><th>Client ID</th></tr>{rows}</table>"
        if rows
        else '<p class="muted">No OAuth apps yet.</p>'
    )
    return page(
        "OAuth apps",
        f"""
<div class="card"><div class="row" style="align-items:center"><h1 style="margin:0">OAuth apps</h1>
<a class="btn" style="margin:0 0 0 auto" href="/apps/new">New</a></div>{table}</div>""",
        email,
    )


def app_form(email: str, error: str = "", values: dict | None = None, csrf: str = "") -> str:
    v = values or {}
    err = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return page(
        "New OAuth app",
        f"""
<div class="card"><h1>New OAuth app</h1>{err}
<form method="post" action="/apps">{hidden("csrf", csrf)}
<label for="name">Application name</label>
<input type="text" id="name" name="name" value="{escape(v.get("name", ""))}" required>
<label for="contact_email">Contact email</label>
<input type="email" id="contact_email" name="contact_email" value="{escape(v.get("contact_email", ""))}">
<label for="homepage_url">Homepage URL</label>
<input type="url" id="homepage_url" name="homepage_url" value="{escape(v.get("homepage_url", ""))}">
<label for="redirect_uris">Redirect URLs</label>
<textarea id="redirect_uris" name="redirect_uris" required>{escape(v.get("redirect_uris", ""))}</textarea>
<p class="muted">One URL per line. HTTPS, except localhost and .test domains.</p>
<button class="btn" type="submit">Create</button> <a class="btn secondary" href="/apps">Cancel</a></form></div>""",
        email,
    )


def app_detail(app, email: str) -> str:
    uris = "".join(f"<li><code>{escape(u)}</code></li>" for u in app.redirect_uris)
    return page(
        app.name,
        f"""
<div class="card"><h1>{escape(app.name)}</h1><dl>
<dt>Client ID</dt><dd><code id="client_id" class="secret">{escape(app.client_id)}</code></dd>
<dt>Client secret</dt><dd><code id="client_secret" class="secret">{escape(app.client_secret)}</code></dd>
<dt>Homepage URL</dt><dd>{escape(app.homepage_url) or '<span class="muted">none</span>'}</dd>
<dt>Redirect URLs</dt><dd><ul>{uris}</ul></dd></dl>
<a class="btn secondary" href="/apps">Back to OAuth apps</a></div>""",
        email,
    )


def pats(tokens, email: str, new_token: str | None = None, csrf: str = "") -> str:
    rows = "".join(
        f"<tr><td>{escape(t['name'])}</td><td>{escape(t['created'])}</td><td>{escape(t['expires'])}</td></tr>"
        for t in tokens
    )
    table = (
        f"<table><tr><th>Name</th><th>Created</th><th>Expires</th></tr>{rows}</table>"
        if rows
        else '<p class="muted">No personal access tokens yet.</p>'
    )
    shown = ""
    if new_token:
        shown = (
            f'<div class="card"><h1>Your new personal access token</h1><p>Copy it now; it is a refresh '
            f"token valid for 90 days, exchanged at the token endpoint.</p>"
            f'<code id="personal_access_token" class="secret">{escape(new_token)}</code></div>'
        )
    return page(
        "Personal access tokens",
        f"""{shown}
<div class="card"><h1>Personal access tokens</h1>{table}
<form method="post" action="/personal_access_tokens">{hidden("csrf", csrf)}
<label for="token_name">Token name</label><input type="text" id="token_name" name="name" required>
<button class="btn" type="submit">New</button></form></div>""",
        email,
    )


SCOPE_TEXT = {
    "openid": "Sign you in with your Hubstaff account",
    "profile": "See your name and time zone",
    "email": "See your e-mail address",
    "hubstaff:read": "Read your organizations, projects, members and time tracking data",
    "hubstaff:write": "Change your Hubstaff data",
}


def consent(app, scopes: list[str], fields: dict, email: str, csrf: str) -> str:
    items = "".join(f"<li><code>{escape(s)}</code> — {escape(SCOPE_TEXT.get(s, s))}</li>" for s in scopes)
    hiddens = "".join(hidden(k, v) for k, v in fields.items()) + hidden("csrf", csrf)
    return page(
        "Authorize",
        f"""
<div class="card"><h1>{escape(app.name)} wants to access your Hubstaff account</h1>
<p>Signed in as <strong>{escape(email)}</strong>. {escape(app.name)} asks to:</p><ul class="scopes">{items}</ul>
<form method="post" action="/authorizations">{hiddens}
<button class="btn" type="submit" name="decision" value="allow">Allow</button>
<button class="btn secondary" type="submit" name="decision" value="deny">Deny</button></form></div>""",
        email,
    )


def error_page(title: str, message: str) -> str:
    return page(
        title, f'<div class="card"><h1>{escape(title)}</h1><p class="error">{escape(message)}</p></div>'
    )


def home(email: str | None, base: str) -> str:
    return page(
        "Developer",
        f"""
<div class="card"><h1>Hubstaff developer site (sandbox)</h1>
<p>A local stand-in for Hubstaff: developer site, OpenID Connect account server and API v2.</p>
<ul><li><a href="/apps">OAuth apps</a></li><li><a href="/personal_access_tokens">Personal access tokens</a></li>
<li>Discovery: <code>{escape(base)}/.well-known/openid-configuration</code></li>
<li>API: <code>{escape(base)}/v2</code></li></ul></div>""",
        email,
    )
