"""yiyu.toml: which file, what it may say, and that a form never gets a made-up institution."""

from __future__ import annotations

from pathlib import Path

import pytest

from yiyu.jobs.settings import (
    CONFIG_ENV,
    Settings,
    SettingsError,
    find_settings,
    institution_name,
    read_settings,
)

GOOD = """\
[institution]
name = "城东街道社区卫生服务中心"

[printing]
growth_references = ["ws_t_423_2022", "who_2006"]
"""


@pytest.fixture(autouse=True)
def _no_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def write(folder: Path, text: str, name: str = "yiyu.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_file_gives_the_institution_and_the_growth_sections(tmp_path: Path) -> None:
    settings = read_settings(write(tmp_path, GOOD))
    assert settings.institution == "城东街道社区卫生服务中心"
    assert settings.growth_references == ("ws_t_423_2022", "who_2006")
    assert read_settings(None) == Settings()


def test_the_option_then_the_variable_then_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = write(tmp_path, GOOD)
    other = write(tmp_path, GOOD, "other.toml")
    assert find_settings(cwd=tmp_path) == here
    monkeypatch.setenv(CONFIG_ENV, str(other))
    assert find_settings(cwd=tmp_path) == other
    assert find_settings(here, cwd=tmp_path) == here
    monkeypatch.delenv(CONFIG_ENV)
    assert find_settings(cwd=tmp_path / "nowhere") is None  # none there: not an error


@pytest.mark.parametrize("how", ["option", "variable"])
def test_a_named_file_that_is_missing_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    missing = tmp_path / "missing.toml"
    if how == "variable":
        monkeypatch.setenv(CONFIG_ENV, str(missing))
    with pytest.raises(SettingsError, match="no such file") as caught:
        find_settings(missing if how == "option" else None, cwd=tmp_path)
    assert str(missing) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[institution]\nnmae = "x"\n', "institution.nmae", "unknown key"),
        ('[instituion]\nname = "x"\n', "instituion", "unknown table"),
        ("[institution]\nname = 3\n", "institution.name", "expected text"),
        ('[institution]\nname = "  "\n', "institution.name", "must not be blank"),
        ('[printing]\ngrowth_references = ["cdc_2000"]\n', "printing.growth_references",
         "'cdc_2000'"),
        ('[printing]\ngrowth_references = "who_2006"\n', "printing.growth_references",
         "expected a list"),
        ('institution = "x"\n', "institution", "expected a table"),
    ],
)  # fmt: skip
def test_a_bad_file_is_one_error_naming_the_file_and_the_key(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as caught:
        read_settings(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: {key}: ")
    assert problem in message
    assert "\n" not in message


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[institution\n")
    with pytest.raises(SettingsError, match="not a readable UTF-8 TOML file"):
        read_settings(path)


def test_the_option_beats_the_file_and_neither_is_an_error_naming_both(tmp_path: Path) -> None:
    settings = read_settings(write(tmp_path, GOOD))
    assert institution_name(None, settings) == "城东街道社区卫生服务中心"
    assert institution_name("城西卫生院", settings) == "城西卫生院"
    with pytest.raises(SettingsError) as nowhere:
        institution_name(None, Settings())
    assert "--institution" in str(nowhere.value)
    assert "yiyu.toml" in str(nowhere.value)
    nameless = read_settings(write(tmp_path, '[printing]\ngrowth_references = ["who_2006"]\n'))
    with pytest.raises(SettingsError, match="has no \\[institution\\] name"):
        institution_name("  ", nameless)


def test_the_guides_example_file_reads(tmp_path: Path) -> None:
    import re

    page = Path(__file__).parents[2] / "docs" / "guide" / "printing.md"
    [toml] = re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    settings = read_settings(write(tmp_path, toml))
    assert settings.institution == "城东街道社区卫生服务中心"
    assert settings.growth_references == ("ws_t_423_2022",)
