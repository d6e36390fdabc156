"""HTML of the demo LMS (autoescaped Jinja2 templates, inline to keep it one file)."""

from __future__ import annotations

from jinja2 import Environment, select_autoescape

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_BASE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{{ title }} — demo LMS</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f23}
header{background:#3b2e83;color:#fff;padding:.6rem 1rem}
main{padding:1rem;max-width:72rem}
fieldset{border:1px solid #ccc;background:#fff;margin:0 0 1rem;padding:.8rem}
iframe{width:100%;height:70vh;border:1px solid #999;background:#fff}
label{display:block;margin:.2rem 0}
</style></head><body><header><strong>Demo LMS</strong> — a tiny LTI 1.3 platform</header>
<main>{{ body }}</main></body></html>"""

PICKER = """
<h1>Launch coursebridge</h1>
<form method="get" action="/course">
<fieldset><legend>Who are you?</legend>
{% for p in people %}<label><input type="radio" name="person" value="{{ p.key }}"
 {% if loop.first %}checked{% endif %}> {{ p.label }}</label>{% endfor %}
</fieldset>
<fieldset><legend>Course</legend>
{% for key, c in courses.items() %}<label><input type="radio" name="course" value="{{ key }}"
 {% if loop.first %}checked{% endif %}> {{ c.title }}{% if not loop.first %} (a copy of
 {{ courses["bio"].title }}, as the LMS makes it each term){% endif %}</label>{% endfor %}
</fieldset>
<fieldset><legend>Activity</legend>
{% for key, title in activities.items() %}<label><input type="radio" name="activity"
 value="{{ key }}" {% if loop.first %}checked{% endif %}> {{ title }}</label>{% endfor %}
</fieldset>
<fieldset><legend>Message</legend>
<label><input type="radio" name="type" value="LtiResourceLinkRequest" checked>
 Open the activity (resource link launch)</label>
<label><input type="radio" name="type" value="LtiDeepLinkingRequest">
 Add an activity (deep linking, teachers)</label>
</fieldset>
<button type="submit" id="launch">Launch</button>
</form>
<fieldset id="installed"><legend>Installed tool</legend>
<p>coursebridge, client id <code id="client-id">{{ client_id }}</code>, deployment
<code id="deployment-id">{{ deployment_id }}</code>{% if registered %} (registered by Dynamic
Registration){% endif %}.</p>
<form method="get" action="/dynamic-registration"><button type="submit"
 id="dynamic-registration">Register coursebridge by Dynamic Registration</button></form>
</fieldset>
<p><a href="/gradebook">Gradebook</a> · <a href="/roster">Rosters</a> ·
 <a href="/config">Platform configuration (JSON)</a>
 · <a href="/.well-known/openid-configuration">OpenID configuration</a></p>
<h2>Outside the LMS</h2>
<p>People can also sign in to coursebridge directly, with an email or username and a password:
<a id="sign-in" href="{{ tool_url }}/app/sign-in" target="_blank"
 rel="noopener">coursebridge sign-in page</a>.
An account made by a launch here has no password yet: set one there with "Forgot password?"
(the email appears on the <code>make dev</code> console).</p>
"""

COURSE = """
<p><a href="/">← pick another person</a></p>
<h1>{{ course.title }}: {{ activity_title }}</h1>
<p>Signed in to the LMS as <strong>{{ person.label }}</strong>.</p>
<iframe id="tool" name="tool" title="coursebridge" src="{{ login_url }}"
  allow="clipboard-write"></iframe>
<script type="application/json" id="cfg">{{ config|tojson }}</script>
<script>
// LTI Client Side postMessage storage (platform side): lti.capabilities, put_data, get_data.
(function () {
  var cfg = JSON.parse(document.getElementById("cfg").textContent);
  var store = new Map();
  window.addEventListener("message", function (event) {
    if (event.origin !== cfg.toolOrigin || !event.data) return;
    var d = event.data, reply = {message_id: d.message_id};
    if (d.subject === "lti.capabilities") {
      reply.subject = "lti.capabilities.response";
      reply.supported_messages = [{subject: "lti.put_data"}, {subject: "lti.get_data"}];
    } else if (d.subject === "lti.put_data") {
      store.set(event.origin + "|" + d.key, d.value);
      reply.subject = "lti.put_data.response"; reply.key = d.key; reply.value = d.value;
    } else if (d.subject === "lti.get_data") {
      reply.subject = "lti.get_data.response"; reply.key = d.key;
      var k = event.origin + "|" + d.key;
      if (store.has(k)) { reply.value = store.get(k); }
      else { reply.error = {code: "bad_request", message: "no such key"}; }
    } else { return; }
    event.source.postMessage(reply, event.origin);
  });
})();
</script>
"""

FORM_POST = """
<p>Returning to the tool…</p>
<form id="post" method="post" action="{{ action }}">
{% for name, value in fields.items() %}<input type="hidden" name="{{ name }}" value="{{ value }}">
{% endfor %}<noscript><button type="submit">Continue</button></noscript></form>
<script>document.getElementById("post").submit();</script>
"""

MESSAGE = """<h1>{{ heading }}</h1><p>{{ text }}</p>
{% if items %}<pre id="items">{{ items }}</pre>{% endif %}<p><a href="/">Back</a></p>"""


def page(title: str, template: str, **context: object) -> str:
    body = _env.from_string(template).render(**context)
    return _env.from_string(_BASE).render(title=title, body=_markup(body))


def _markup(body: str) -> object:
    from markupsafe import Markup

    return Markup(body)  # noqa: S704 - rendered by the autoescaping environment above
