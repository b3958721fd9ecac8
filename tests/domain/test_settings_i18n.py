import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from board.domain import Column, GoalStatus, PdcaStage
from board.i18n import _catalogue, available_languages, translator
from board.settings import ConfigError, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


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


def test_a_bad_value_in_the_file_names_the_setting_the_file_and_what_is_allowed(tmp_path):
    path = tmp_path / 'board.toml'
    path.write_text('[board]\nport = 0\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert str(raised.value) == f'port = 0 (in {path}): must be a whole number from 1 to 65535'


def test_a_bad_environment_variable_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r'port = "70000" \(from the environment variable BOARD_PORT\): .*65535'):
        load_settings(environ={'BOARD_PORT': '70000'})
    with pytest.raises(ConfigError, match=r'BOARD_LANGUAGE.*en, nb'):
        load_settings(environ={'BOARD_LANGUAGE': 'de'})
    with pytest.raises(ConfigError, match=r'port = 0 \(from the command line\)'):
        load_settings(environ={}, port=0)


def test_unknown_settings_and_tables_are_named(tmp_path):
    path = tmp_path / 'board.toml'
    path.write_text('[board]\nprot = 8080\ncolour = "red"\n')
    with pytest.raises(ConfigError, match=rf'unknown settings prot \(did you mean port\?\), colour in \[board\] '
                                          rf'\(in {re.escape(str(path))}\); the settings of \[board\] are data_dir, '):
        load_settings(path, environ={})
    path.write_text('[borad]\nport = 8080\n')
    with pytest.raises(ConfigError, match=r'unknown table \[borad\]'):
        load_settings(path, environ={})
    path.write_text('port = 8080\n[board]\n')
    with pytest.raises(ConfigError, match=r'port in .* must be inside a table'):
        load_settings(path, environ={})


@pytest.mark.parametrize(('content', 'message'), [
    ('timezone = "Mars/Olympus"', 'timezone = "Mars/Olympus" (in {path}): must be an IANA time zone such as '
                                  '"Europe/Oslo"'),
    ('timezone = "Europe"', 'timezone = "Europe" (in {path}): must be an IANA time zone'),
    ('quiet_hours = "late"', 'quiet_hours = "late" (in {path}): must be empty (never) or a span of hours written '
                             'HH:MM-HH:MM, such as "22:00-06:00"'),
    ('quiet_hours = "22:00-25:00"', 'quiet_hours = "22:00-25:00"'),
    ('node_id = "kiosk-a"', 'node_id = "kiosk-a" (in {path}): must be 1 to 40 letters'),
    ('archive_after_weeks = 0', 'archive_after_weeks = 0 (in {path}): must be a whole number, at least 1'),
    ('session_hours = 0', 'session_hours = 0 (in {path}): must be a number from 0.1 to 168'),
    ('phone_ideas_per_window = true', 'phone_ideas_per_window = true (in {path}): must be a whole number, at least 1'),
    ('token_grace_days = 30', 'token_grace_days = 30 (in {path}): must be a whole number of days from 0 to 28'),
    ('meeting_minutes = 90', 'meeting_minutes = 90 (in {path}): must be a whole number from 5 to 60'),
    ('[board.meeting_minutes_by_unit]\nsolsiden-1 = 2',
     '[board.meeting_minutes_by_unit] solsiden-1 = 2 (in {path}): must be a whole number from 5 to 60'),
    ('token_secret = 12345', 'token_secret = (hidden) (in {path}): must be text in quotes'),
])
def test_each_rule_says_what_is_allowed(tmp_path, content, message):
    path = tmp_path / 'board.toml'
    path.write_text(f'[board]\n{content}\n')
    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})
    assert message.format(path=path) in str(raised.value)
    assert '\n' not in str(raised.value)


def test_the_kiosk_table_is_checked_too(tmp_path):
    path = tmp_path / 'board.toml'
    for content, message in [
        ('check_every = 0', '[kiosk] check_every = 0 (in {path}): must be a number above 0'),
        ('screen_days = [1, 8]', '[kiosk] screen_days = [1, 8] (in {path}): must be a non-empty list of whole '
                                 'numbers from 1 to 7'),
        ('screen_on = "17:00"\nscreen_off = "07:00"', '[kiosk] screen_off = "07:00" (in {path}): must be a time of '
                                                     'day after screen_on (17:00)'),
        ('nightly_restart = "3.30"', '[kiosk] nightly_restart = "3.30" (in {path}): must be a time of day'),
        ('browser = "firefox"', 'unknown setting browser in [kiosk]'),
    ]:
        path.write_text(f'[board]\nport = 8080\n[kiosk]\n{content}\n')
        with pytest.raises(ConfigError) as raised:
            load_settings(path, environ={})
        assert message.format(path=path) in str(raised.value)


def test_settings_built_in_code_are_checked_the_same_way(tmp_path):
    with pytest.raises(ConfigError, match=r'^port = 0: must be a whole number from 1 to 65535$'):
        Settings(port=0)
    with pytest.raises(ConfigError, match='unknown setting colour'):
        Settings(colour='red')  # type: ignore[call-arg]
    settings = Settings(data_dir=tmp_path, language='en', meeting_minutes_by_unit={'solsiden-1': 20})
    assert settings.replace(node_id='kiosk_a').node_id == 'kiosk_a'
    assert settings.meeting_minutes_for('solsiden-1') == 20
    with pytest.raises(ConfigError, match='node_id'):
        settings.replace(node_id='kiosk-a')
    assert 'token_secret' not in repr(Settings(token_secret='s' * 32))


def test_settings_load_without_nicegui():
    code = 'import sys; import board.settings, kiosk.launcher; assert "nicegui" not in sys.modules'
    subprocess.run([sys.executable, '-c', code], cwd=ROOT, check=True)


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
