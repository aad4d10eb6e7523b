"""Deployment files: docker-compose.yml, Dockerfile and .env.production.example.

Plain functions, no database and no Django import, so they run without the Django plugin:
    python -m pytest tests/test_deploy.py -p no:django --noconftest
(--noconftest skips the root conftest.py, which imports Django models.)
"""

import re
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.production.example"
DOCKERIGNORE = ROOT / ".dockerignore"

APP_SERVICES = ("web", "worker", "beat")
ALL_SERVICES = (*APP_SERVICES, "postgres", "redis")
PRODUCTION = "cdd.settings.production"
REQUIRED_ENV_KEYS = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
)


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]


def command_of(service: dict) -> str:
    """The service's command as one string, whether written as a string or a list."""
    command = service.get("command", "")
    if isinstance(command, list):
        command = " ".join(str(part) for part in command)
    return " ".join(str(command).split())


def tokens_of(service: dict) -> list[str]:
    return shlex.split(command_of(service))


def environment_of(service: dict) -> dict:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = (item.split("=", 1) if "=" in item else (item, None) for item in environment)
        environment = dict(pairs)
    return {key: (None if value is None else str(value)) for key, value in environment.items()}


def env_files_of(service: dict) -> list[str]:
    env_file = service.get("env_file") or []
    if isinstance(env_file, str | dict):
        env_file = [env_file]
    return [item["path"] if isinstance(item, dict) else item for item in env_file]


def env_example_values() -> dict:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            values[key.strip()] = value.strip()
    return values


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    return instructions


def test_all_five_services_exist(services):
    for name in ALL_SERVICES:
        assert name in services, f"docker-compose.yml has no {name!r} service"


def test_app_services_share_one_image_built_only_by_web(services):
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1 and None not in images, images
    assert "build" in services["web"]
    for name in ("worker", "beat", "postgres", "redis"):
        assert "build" not in services[name], f"{name} must reuse the image, not build its own"


def test_worker_runs_celery_worker(services):
    assert command_of(services["worker"]).startswith("celery -A cdd worker")


def test_exactly_one_beat(services):
    beat = services["beat"]
    assert command_of(beat).startswith("celery -A cdd beat")
    assert beat.get("deploy", {}).get("replicas") == 1
    assert beat.get("scale", 1) == 1
    for name, service in services.items():
        if name == "beat":
            continue
        tokens = tokens_of(service)
        assert "beat" not in tokens, f"{name} also runs celery beat"
        assert "-B" not in tokens and "--beat" not in tokens, f"{name} embeds celery beat"


def test_web_migrates_then_runs_gunicorn(services):
    command = command_of(services["web"])
    assert "manage.py migrate" in command
    assert "gunicorn cdd.wsgi:application" in command
    assert command.index("migrate") < command.index("gunicorn")
    assert "8000:8000" in [str(port) for port in services["web"].get("ports", [])]


def test_app_services_use_production_settings_and_env_file(services):
    for name in APP_SERVICES:
        service = services[name]
        assert environment_of(service).get("DJANGO_SETTINGS_MODULE") == PRODUCTION, name
        assert ".env.production" in env_files_of(service), name


def test_env_example_has_every_required_key():
    assert ENV_EXAMPLE.is_file()
    values = env_example_values()
    for key in REQUIRED_ENV_KEYS:
        assert key in values and values[key], f"{key} missing from {ENV_EXAMPLE.name}"
    # The URLs point at the compose service names.
    assert values["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in values["DATABASE_URL"]
    assert values["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert values["REDIS_URL"] == "redis://redis:6379/1"


def test_databases_are_healthchecked_and_web_waits_for_them(services):
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])
    assert "redis-cli" in str(services["redis"]["healthcheck"]["test"])
    assert "ping" in str(services["redis"]["healthcheck"]["test"])
    depends_on = services["web"]["depends_on"]
    for name in ("postgres", "redis"):
        assert depends_on[name]["condition"] == "service_healthy"


def test_dockerfile_installs_pango_and_runs_gunicorn():
    instructions = dockerfile_instructions()
    runs = " ".join(arguments for keyword, arguments in instructions if keyword == "RUN")
    assert re.search(r"apt-get install[^&;]*\blibpango-1\.0-0\b", runs)
    assert re.search(r"apt-get install[^&;]*\blibpangoft2-1\.0-0\b", runs)
    assert "collectstatic --noinput" in runs

    cmds = [arguments for keyword, arguments in instructions if keyword == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    cmd = cmds[-1]
    assert "gunicorn" in cmd and "cdd.wsgi:application" in cmd

    users = [arguments for keyword, arguments in instructions if keyword == "USER"]
    assert users and users[-1] not in ("root", "0"), "the image must run as a non-root user"


def test_secrets_stay_out_of_the_image():
    ignored = DOCKERIGNORE.read_text(encoding="utf-8").split()
    assert ".env.production" in ignored
    assert ".venv" in ignored


def test_named_settings_modules_exist():
    pattern = re.compile(r"\bcdd\.settings\.([A-Za-z_]\w*)")
    named = set(pattern.findall(COMPOSE.read_text(encoding="utf-8")))
    named |= set(pattern.findall(DOCKERFILE.read_text(encoding="utf-8")))
    assert "production" in named
    for module in named:
        assert (ROOT / "cdd" / "settings" / f"{module}.py").is_file(), f"cdd.settings.{module}"
