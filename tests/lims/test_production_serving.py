"""The README's gunicorn recipe serves a complete site with production settings: collectstatic,
then WhiteNoise serves the admin's CSS and the API docs' assets, with or without a TLS proxy."""

import gc
import runpy
import subprocess
import sys

import pytest

from tests.lims.live import ROOT, assets, clean_environment, free_port, get, serving

SECRET = "test-only-" + "k" * 20 + "9Zq!x2@Lr#7vT$pW&e4^Nc*8yB(m)fG"


@pytest.fixture(scope="module")
def production_env(tmp_path_factory):
    """Production settings on a migrated database of their own, static files collected."""
    folder = tmp_path_factory.mktemp("gunicorn")
    env = clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
    )
    for step in (["migrate", "--noinput"], ["createcachetable"], ["collectstatic", "--noinput"]):
        done = subprocess.run(
            [sys.executable, "manage.py", *step], env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
    return env, folder


def gunicorn(production_env, **env):
    base_env, folder = production_env
    port = free_port()
    # No control socket: its default path is per user, and two test runs would share it.
    command = [sys.executable, "-m", "gunicorn", "lims.wsgi", "--workers", "2",
               "--bind", f"127.0.0.1:{port}", "--no-control-socket"]  # fmt: skip
    return serving(command, port, {**base_env, **env}, folder / f"gunicorn-{port}.log")


def assert_page_and_assets_load(base: str, path: str, **headers) -> str:
    status, _, body = get(base + path, **headers)
    assert status == 200, body[:500]
    page = body.decode()
    loaded = assets(page)
    assert loaded, f"{path} loads no assets"
    for asset in loaded:
        assert asset.startswith("/") and not asset.startswith("//"), f"{path} loads {asset}"
        status, answer_headers, _ = get(base + asset, **headers)
        assert status == 200, asset
        if asset.endswith(".css"):
            assert answer_headers["Content-Type"].startswith("text/css"), answer_headers
    return page


def test_a_local_trial_without_a_tls_proxy(production_env):
    with gunicorn(production_env, DJANGO_SECURE_SSL_REDIRECT="0", LIMS_PUBLIC_API_DOCS="1") as base:
        page = assert_page_and_assets_load(base, "/admin/login/")
        assert any(asset.endswith(".css") for asset in assets(page))
        docs = assert_page_and_assets_load(base, "/api/docs/")
        assert "http://" not in docs and "https://" not in docs


def test_behind_a_tls_proxy_plain_http_is_redirected_and_https_served(production_env):
    with gunicorn(production_env, DJANGO_BEHIND_TLS_PROXY="1") as base:
        assert get(base + "/healthz")[0] == 200, "a load balancer probes health over plain HTTP"
        status, headers, _ = get(base + "/admin/login/")
        assert status == 301 and headers["Location"].startswith("https://"), headers
        page = assert_page_and_assets_load(base, "/admin/login/", **{"X-Forwarded-Proto": "https"})
        css = next(asset for asset in assets(page) if asset.endswith(".css"))
        # Hashed names from the manifest, so a browser may cache them for ever.
        assert css.count(".") >= 2, css


def test_static_files_are_collected_with_hashed_names_and_compressed(production_env):
    _, folder = production_env
    static = folder / "static"
    assert (static / "staticfiles.json").exists()
    assert list(static.glob("admin/css/base.*.css.gz"))
    assert list(static.glob("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.*.js"))


def test_gunicorn_reads_the_projects_settings_and_freezes_what_it_preloaded():
    # gunicorn's own reading of its settings, started in the project's folder as deployed.
    printed = subprocess.run(
        [sys.executable, "-m", "gunicorn", "lims.wsgi", "--print-config"],
        cwd=ROOT,
        env=clean_environment(DJANGO_DEBUG="1"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    read = {
        name.strip(): value.strip()
        for name, _, value in (line.partition(" = ") for line in printed.splitlines())
    }
    assert read["config"] == "./gunicorn.conf.py"
    assert read["preload_app"] == "True" and read["pre_fork"] == "<pre_fork()>"
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    before = gc.get_freeze_count()
    try:
        settings["pre_fork"](None, None)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
