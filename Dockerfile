FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.lock .
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
# collectstatic needs settings only, not the real secrets or servers (nothing connects to these addresses).
RUN PRIMETRIC_ENV=production SECRET_KEY=build-only FIELD_ENCRYPTION_KEYS=MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE= \
    DATABASE_URL=postgres://build@db.invalid/build REDIS_URL=redis://redis.invalid:6379/0 \
    python manage.py collectstatic --noinput
RUN useradd --create-home primetric && mkdir -p /app/var && chown -R primetric /app/var
USER primetric
EXPOSE 8000
CMD ["gunicorn", "-c", "primetric/gunicorn.conf.py", "primetric.wsgi:application", "--bind", "0.0.0.0:8000"]
