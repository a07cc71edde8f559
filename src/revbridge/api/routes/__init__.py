"""The JSON API's routes, one module per resource, each an ``APIRouter`` that ``app.py`` mounts at ``/api``."""
