from watchline import permissions


def roles(request):
    """The user's roles, and the live socket their pages listen on (none for anonymous users)."""
    user = request.user
    representative = permissions.representative_of(user)
    is_operator = permissions.is_operator(user)
    if is_operator:
        live_socket = "/ws/dashboard/"
    elif representative is not None:
        live_socket = f"/ws/cwg/{representative.cwg_id}/"
    else:
        live_socket = ""
    return {
        "is_operator": is_operator,
        "is_supervisor": permissions.is_supervisor(user),
        "is_city_admin": permissions.is_city_admin(user),
        "representative": representative,
        "live_socket": live_socket,
    }
