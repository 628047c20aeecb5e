# Production image: gunicorn for web, the same image for the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=projects_mgmt.settings.production

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# collectstatic needs settings but no secrets: a throwaway key and host for the build step only.
RUN DJANGO_SECRET_KEY=build-only-$(date +%s)-not-a-secret-at-run-time DJANGO_ALLOWED_HOSTS=localhost \
    REMINDERS_WEBHOOK_SECRET=build-only-not-a-secret REMINDERS_SITE_URL=https://build.invalid \
    python manage.py collectstatic --noinput \
    && useradd --system --home /app app && mkdir -p /app/media /app/var && chown -R app /app/media /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "projects_mgmt.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
