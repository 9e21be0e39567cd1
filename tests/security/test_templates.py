"""A host template cannot run code (#12, item 11).

Host software puts its own template directories before yiyu's (a region's referral
slip). In a plain jinja2 environment such a template reaches Python's internals through
any object it is given (``cycler.__init__.__globals__.os``) and runs commands with the
renderer's rights. yiyu renders every template, its own and the host's, in jinja2's
``SandboxedEnvironment``: these tests put the known escapes in a host template and show
that rendering fails with ``SecurityError`` and that nothing ran (a marker file the
command would have created does not exist).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment, SecurityError

from reports.pdfcheck import need_renderer
from yiyu.reports.environment import make_environment, template_dirs


def _escapes(marker: Path) -> list[str]:
    command = f"touch {shlex.quote(str(marker))}"
    return [
        f"{{{{ cycler.__init__.__globals__.os.popen({command!r}).read() }}}}",
        f"{{{{ joiner.__init__.__globals__.os.popen({command!r}).read() }}}}",
        f"{{{{ namespace.__init__.__globals__.os.popen({command!r}).read() }}}}",
        f"{{{{ lipsum.__globals__.os.popen({command!r}).read() }}}}",
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}"
        f"{{% if c.__name__ == 'Popen' %}}{{{{ c([{command!r}], shell=True) }}}}{{% endif %}}"
        "{% endfor %}",
        f"{{{{ self.__init__.__globals__.__builtins__.__import__('os').popen({command!r}) }}}}",
        # Through a value the context hands to every template.
        f"{{{{ doc.items.__self__.__class__.__init__.__globals__ }}}}{{{{ {command!r} }}}}",
    ]


@pytest.mark.parametrize("index", range(7))
def test_a_host_template_cannot_reach_python(tmp_path: Path, index: int) -> None:
    marker = tmp_path / "ran"
    host = tmp_path / "host"
    host.mkdir()
    (host / "slip.html").write_text(_escapes(marker)[index], encoding="utf-8")
    environment = make_environment(template_dirs([host]))
    with pytest.raises(SecurityError):
        environment.get_template("slip.html").render(doc={"title": "x"})
    assert not marker.exists()


def test_yiyu_and_host_templates_share_one_sandboxed_autoescaping_environment(
    tmp_path: Path,
) -> None:
    host = tmp_path / "host"
    host.mkdir()
    (host / "note.html").write_text("<p>{{ name }}</p>", encoding="utf-8")
    environment = make_environment(template_dirs([host]))
    assert isinstance(environment, SandboxedEnvironment)
    # Still escaped, still strict about undefined names.
    assert environment.get_template("note.html").render(name="<b>") == "<p>&lt;b&gt;</p>"
    with pytest.raises(jinja2.UndefinedError):
        environment.get_template("note.html").render()
    # yiyu's own templates come from the same environment.
    assert environment.get_template("base.html").filename is not None


def test_a_hostile_host_template_fails_the_render_and_runs_nothing(tmp_path: Path) -> None:
    need_renderer()
    from yiyu.reports import Renderer, samples

    document = samples.document("referral")
    marker = tmp_path / "ran"
    host = tmp_path / "host"
    host.mkdir()
    # The host's file replaces yiyu's template of the same name.
    (host / document.template).write_text(_escapes(marker)[0], encoding="utf-8")
    with Renderer(templates=[host]) as renderer, pytest.raises(SecurityError):
        renderer.render(document)
    assert not marker.exists()
