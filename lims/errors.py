"""Domain errors: exceptions with a stable code that the API renders as problem+json."""


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    Subclasses set ``code`` (stable, snake_case), ``status`` (HTTP) and ``title`` (short, fixed);
    the message passed at raise time is the ``detail`` a user can act on.
    """

    code = "domain_error"
    status = 400
    title = "Request cannot be carried out"

    def __init__(self, detail: str | None = None, *, errors: dict | None = None, **extra):
        self.detail = detail or self.title
        self.errors = errors
        self.extra = extra
        super().__init__(self.detail)


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Forbidden(DomainError):
    code = "role_forbids_action"
    status = 403
    title = "Your role does not allow this action"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflicts with the current state"


class InvalidInput(DomainError):
    code = "invalid"
    status = 400
    title = "Invalid input"
