# One image for every process: web (gunicorn), Celery worker and Celery beat.
# Build:  docker compose build   (or: docker build -t cdd-province:latest .)

FROM python:3.11-slim-bookworm

# The project is not an installed package (pyproject has packages = []): the code runs
# from /app, and PYTHONPATH makes it importable for gunicorn, celery and manage.py alike.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=cdd.settings.production

# WeasyPrint (PDF reports) needs Pango; the Thai fonts come from the fontpkg-sarabun wheel.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so this layer is reused until they change.
# With packages = [] the build needs no source: it only installs the declared dependencies.
COPY pyproject.toml ./
RUN pip install --no-cache-dir . \
    && rm -rf build ./*.egg-info

COPY --chown=app:app . .
RUN mkdir -p /app/staticfiles /app/media \
    && chown app:app /app /app/staticfiles /app/media

USER app

# Collect static files into /app/staticfiles (served by whitenoise). The values below exist
# only so production settings import during the build; they are not kept in the image.
RUN SECRET_KEY=build-only-not-a-secret \
    ALLOWED_HOSTS=localhost \
    DJANGO_SETTINGS_MODULE=cdd.settings.production \
    python manage.py collectstatic --noinput

EXPOSE 8000

CMD ["gunicorn", "cdd.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
