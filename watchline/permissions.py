"""The one place that answers "may this user do this?". Views and consumers ask here."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

OPERATOR_GROUP = "JOC operator"
SUPERVISOR_GROUP = "JOC supervisor"
REPRESENTATIVE_GROUP = "CWG representative"


def _groups(user):
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_watchline_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._watchline_groups = cached
    return cached


def is_supervisor(user):
    return user.is_active and SUPERVISOR_GROUP in _groups(user)


def is_operator(user):
    """Operators and supervisors both work the JOC floor."""
    return user.is_active and bool({OPERATOR_GROUP, SUPERVISOR_GROUP} & _groups(user))


def is_city_admin(user):
    return user.is_authenticated and user.is_active and user.is_staff


def representative_of(user):
    """The user's active Representative seat, or None."""
    if not user.is_authenticated or not user.is_active:
        return None
    if not hasattr(user, "_watchline_rep"):
        from cwg.models import Representative

        user._watchline_rep = (
            Representative.objects.active().select_related("cwg").filter(user=user).first()
        )
    return user._watchline_rep


def is_representative(user):
    return REPRESENTATIVE_GROUP in _groups(user) and representative_of(user) is not None


def speaks_for(user, cwg_id):
    """The user holds an active seat of this CWG (whatever the CWG's status)."""
    rep = representative_of(user)
    return rep is not None and rep.cwg_id == cwg_id


def can_report(user):
    """Only active representatives of approved CWGs may send reports."""
    rep = representative_of(user)
    return rep is not None and rep.cwg.is_approved


def can_view_report(user, report):
    return is_operator(user) or speaks_for(user, report.cwg_id)


def can_follow_up(user, report):
    """A representative who may report adds follow-ups to their own CWG's reports."""
    return can_report(user) and speaks_for(user, report.cwg_id)


def can_view_photo(user, photo, variant):
    """Operators may see a photo's original (with its EXIF location); a representative only the
    stripped public copy, and only of their own CWG's reports."""
    if is_operator(user):
        return True
    return variant in ("public", "thumbnail") and can_view_report(user, photo.report)


def can_see_wards(user):
    """Ward outlines and "which ward is this point in": the JOC floor and representatives."""
    return is_operator(user) or is_representative(user) or is_city_admin(user)


def can_approve_alert(user):
    """Supervisors approve (and may send directly) emergency alerts to all wards."""
    return is_supervisor(user)


def can_read_alert_feed(user, agency_token):
    """Other agencies read the alert feed and CAP documents with an active token a city admin
    issued; the JOC floor reads them logged in."""
    return agency_token is not None or is_operator(user)


def can_acknowledge_alert(user, recipient):
    """A representative acknowledges alerts sent to their own CWG only."""
    return speaks_for(user, recipient.cwg_id)


def can_run_exercises(user):
    """Supervisors create, run and evaluate exercises; every operator reads their figures."""
    return is_supervisor(user)


def supervisors():
    """Active supervisors, e.g. to tell about stale incidents."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(is_active=True, groups__name=SUPERVISOR_GROUP)


def operators():
    """Active users who work the JOC floor (operators and supervisors), e.g. to assign to."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[OPERATOR_GROUP, SUPERVISOR_GROUP])
        .distinct()
    )


def home_url_name(user):
    if is_operator(user):
        return "joc:dashboard"
    if is_representative(user):
        return "cwg:portal"
    if is_city_admin(user):
        return "admin:index"
    return None


def role_required(check):
    """Decorate a view: anonymous users go to login, users failing `check` get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


operator_required = role_required(is_operator)
supervisor_required = role_required(is_supervisor)
representative_required = role_required(is_representative)
