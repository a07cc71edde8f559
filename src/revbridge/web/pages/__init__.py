"""The dashboard's pages, one module per page or workflow, each an ``APIRouter`` of HTML routes."""
