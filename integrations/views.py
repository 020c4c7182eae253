from django.shortcuts import render

from people.roles import Role
from people.tenancy import tenant_view


@tenant_view(Role.ADMINISTRATOR)
def integration_list(request):
    return render(request, "integrations/integration_list.html")
