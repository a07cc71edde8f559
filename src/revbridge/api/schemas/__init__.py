"""What the API takes and gives, as Pydantic models: the shapes its OpenAPI schema documents, one module
per resource. A listing answers a ``pagination.Page`` of the service's own lines."""
