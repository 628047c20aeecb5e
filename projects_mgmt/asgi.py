# DJANGO_SETTINGS_MODULE is already chosen here: importing the package ran projects_mgmt/celery.py,
# which takes it from the environment, else from .env, else the local settings (settings_module.py).
# Production names projects_mgmt.settings.production in .env or in the service's environment.
from django.core.asgi import get_asgi_application

application = get_asgi_application()
