from .context import acting
from .models import Source


class AuditActorMiddleware:
    """Makes the requesting user the actor of every change made while serving the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        source = (
            Source.API
            if path.startswith("/api/")
            else Source.ADMIN
            if path.startswith("/admin/")
            else Source.WEB
        )
        with acting(request=request, source=source):
            return self.get_response(request)
