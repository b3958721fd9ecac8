import re
from datetime import date
from pathlib import Path

import pytest

from board.domain import Column, GoalStatus, PdcaStage
from board.i18n import _catalogue, available_languages, translator
from board.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_the_commented_example_config_loads():
    settings = load_settings(ROOT / 'config' / 'board.toml', environ={})
    assert settings.language == 'nb'
    assert settings.archive_after_weeks == 4


def test_environment_and_flags_override_the_file(tmp_path):
    settings = load_settings(ROOT / 'config' / 'board.toml', environ={'BOARD_PORT': '9000', 'BOARD_LANGUAGE': 'en'},
                             data_dir=tmp_path)
    assert (settings.port, settings.language, settings.data_dir) == (9000, 'en', tmp_path)
    assert load_settings(environ={}, host='127.0.0.1', port=8123).base_url == 'http://127.0.0.1:8123'


@pytest.mark.parametrize(('content', 'message'), [
    ('[board]\nlanguage = "de"', 'language'),
    ('[board]\nport = 0', 'port'),
    ('[board]\ncolour = "red"', 'unknown setting'),
    ('[board\n', 'not valid TOML'),
])
def test_bad_settings_say_which_and_why(tmp_path, content, message):
    path = tmp_path / 'board.toml'
    path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_catalogues_have_the_same_keys_and_placeholders():
    reference = _catalogue('nb')
    for language in available_languages():
        catalogue = _catalogue(language)
        assert catalogue.keys() == reference.keys(), language
        for key, text in catalogue.items():
            assert set(re.findall(r'{(\w+)}', text)) == set(re.findall(r'{(\w+)}', reference[key])), (language, key)


def test_every_key_the_code_uses_is_translated():
    used = set()
    for path in (ROOT / 'board').rglob('*.py'):
        used |= set(re.findall(r"""\bt\(\s*['"]([a-z_]+\.[a-z_.]+)['"]""", path.read_text()))
        used |= set(re.findall(r"""Problem\([^)]*?['"](error\.[a-z_]+)['"]""", path.read_text()))
        used |= set(re.findall(r"""['"](error\.[a-z_]+)['"]""", path.read_text()))
    used |= {f'column.{c.value}' for c in Column} | {f'pdca.{p.value}' for p in PdcaStage}
    used |= {f'goal_status.{s.value}' for s in GoalStatus}
    assert len(used) > 30
    assert used - _catalogue('nb').keys() == set()


def test_numbers_and_dates_in_each_language():
    nb, en = translator('nb'), translator('en')
    assert nb.number(3.1) == '3,1'
    assert nb.number(46.25, 1) == '46,2'
    assert nb.number(1234.5) == '1\u00a0234,5'
    assert nb.number(2.0) == '2'
    assert en.number(3.1) == '3.1'
    assert nb.date(date(2026, 11, 24)) == '24.11.2026'
    assert nb('board.week', week=48) == 'Uke 48'
    assert en('board.week', week=48) == 'Week 48'


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match='nb'):
        translator('xx')
