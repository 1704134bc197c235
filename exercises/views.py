"""Exercise pages: supervisors plan, run and evaluate exercises; every JOC operator reads the
after-action figures, for an exercise or for a period of real operations."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exercises import charts, figures, forms, services
from exercises import escalation_services as escalation
from exercises.models import Exercise, ImprovementAction, Inject
from exercises.templatetags.exercises import figure
from watchline import permissions

supervisor_required = permissions.role_required(permissions.can_run_exercises)


@permissions.operator_required
@require_GET
def exercise_list(request):
    exercises = Exercise.objects.prefetch_related("cwgs").order_by("-planned_start", "-pk")
    return render(request, "exercises/list.html", {"exercises": exercises})


@supervisor_required
@require_http_methods(["GET", "POST"])
def new(request):
    form = forms.ExerciseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        exercise = form.save()
        return redirect("exercises:detail", pk=exercise.pk)
    return render(request, "exercises/form.html", {"form": form})


@supervisor_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    exercise = _editable(pk)
    form = forms.ExerciseForm(request.POST or None, instance=exercise)
    if request.method == "POST" and form.is_valid():
        form.save()
        return redirect("exercises:detail", pk=pk)
    return render(request, "exercises/form.html", {"form": form, "exercise": exercise})


@permissions.operator_required
@require_GET
def detail(request, pk):
    exercise = get_object_or_404(Exercise.objects.prefetch_related("cwgs", "controllers"), pk=pk)
    return _render_detail(request, exercise)


def _render_detail(request, exercise, inject_form=None, import_form=None, errors=(), status=200):
    injects = exercise.injects.select_related(
        "representative__cwg", "representative__user", "category", "ward", "report__incident"
    )
    rows = [(inject, exercise.due_at(inject)) for inject in injects]
    context = {
        "exercise": exercise,
        "rows": rows,
        "can_run": permissions.can_run_exercises(request.user),
        "inject_form": inject_form or forms.InjectForm(exercise=exercise),
        "import_form": import_form or forms.ImportForm(),
        "import_errors": errors,
    }
    return render(request, "exercises/detail.html", context, status=status)


@supervisor_required
@require_POST
def control(request, pk, action):
    actions = {
        "start": services.start,
        "pause": services.pause,
        "resume": services.resume,
        "end": services.end,
    }
    if action not in actions:
        raise Http404
    exercise = get_object_or_404(Exercise, pk=pk)
    try:
        actions[action](exercise, request.user)
    except services.ExerciseRefused as refused:
        messages.error(request, str(refused))
    else:
        if action == "start":
            escalation.schedule_next()
        messages.success(request, f"EXERCISE {exercise.name}: {action} done.")
    return redirect("exercises:detail", pk=pk)


@supervisor_required
@require_http_methods(["GET", "POST"])
def inject_form(request, pk, inject_id=None):
    exercise = _editable(pk)
    inject = get_object_or_404(Inject, pk=inject_id, exercise=exercise) if inject_id else None
    form = forms.InjectForm(
        request.POST or None, request.FILES or None, exercise=exercise, instance=inject
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Inject saved.")
        return redirect("exercises:detail", pk=pk)
    if request.method == "POST" and inject is None:
        return _render_detail(request, exercise, inject_form=form, status=400)
    return render(
        request, "exercises/inject_form.html", {"form": form, "exercise": exercise}, status=200
    )


@supervisor_required
@require_POST
def inject_delete(request, pk, inject_id):
    exercise = _editable(pk)
    get_object_or_404(Inject, pk=inject_id, exercise=exercise).delete()
    return redirect("exercises:detail", pk=pk)


@supervisor_required
@require_POST
def inject_import(request, pk):
    exercise = _editable(pk)
    form = forms.ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, exercise, import_form=form, status=400)
    added, errors = services.import_injects(exercise, form.cleaned_data["file"])
    if errors:
        return _render_detail(request, exercise, import_form=form, errors=errors, status=400)
    messages.success(request, f"{added} injects imported.")
    return redirect("exercises:detail", pk=pk)


@supervisor_required
@require_POST
def inject_ask(request, pk, inject_id):
    inject = get_object_or_404(Inject.objects.select_related("exercise"), pk=inject_id, exercise=pk)
    if inject.exercise.status != Exercise.Status.RUNNING:
        messages.error(request, "Representatives are asked only while the exercise runs.")
    else:
        services.ask_representative(inject)
        messages.success(request, f"{inject.representative.name} was asked to send it.")
    return redirect("exercises:detail", pk=pk)


def _editable(pk):
    exercise = get_object_or_404(Exercise, pk=pk)
    if not exercise.is_editable:
        raise PermissionDenied("An exercise can only be changed before its start.")
    return exercise


# --- After-action ----------------------------------------------------------------------------


@permissions.operator_required
@require_GET
def after_action(request, pk):
    exercise = get_object_or_404(Exercise, pk=pk)
    report = figures.after_action(figures.Scope.for_exercise(exercise))
    evaluation = {
        "objectives": exercise.objectives.all(),
        "observations": exercise.observations.select_related("objective"),
        "actions": exercise.actions.select_related("observation"),
    }
    return _render_after_action(request, report, evaluation)


@permissions.operator_required
@require_GET
def period_after_action(request):
    form = forms.PeriodForm(request.GET or forms.PeriodForm.last_day())
    if not form.is_valid():
        return render(request, "exercises/after_action.html", {"period_form": form}, status=400)
    scope = figures.Scope.period(form.cleaned_data["start"], form.cleaned_data["end"])
    return _render_after_action(request, figures.after_action(scope), period_form=form)


def _render_after_action(request, report, evaluation=None, period_form=None):
    summaries = report.summary_by_key
    context = {
        "report": report,
        "scope": report.scope,
        "timeline": charts.timeline(report.incidents, report.scope.start, report.scope.end),
        "histograms": [
            charts.histogram("Time to acknowledge", summaries["to_acknowledge"].values),
            charts.histogram("Time to verify or debunk", summaries["to_verify"].values),
        ],
        "evaluation": evaluation,
        "period_form": period_form,
        "query": request.GET.urlencode(),
    }
    return render(request, "exercises/after_action.html", context)


@permissions.operator_required
@require_GET
def after_action_csv(request, table, pk=None):
    if pk is not None:
        scope = figures.Scope.for_exercise(get_object_or_404(Exercise, pk=pk))
    else:
        form = forms.PeriodForm(request.GET)
        if not form.is_valid():
            return HttpResponse("Give a valid start and end.", status=400)
        scope = figures.Scope.period(form.cleaned_data["start"], form.cleaned_data["end"])
    report = figures.after_action(scope)
    try:
        chosen = report.table(table)
    except StopIteration:
        raise Http404 from None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"after-action-{pk or 'operations'}-{table}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow([f"# {scope.title}", f"{figure(scope.start)} to {figure(scope.end)}"])
    writer.writerow(chosen.columns)
    for row in chosen.rows:
        writer.writerow([figure(value, csv=True) for value in row])
    return response


# --- Evaluation ------------------------------------------------------------------------------


@supervisor_required
@require_http_methods(["GET", "POST"])
def evaluation(request, pk):
    exercise = get_object_or_404(Exercise, pk=pk)
    objectives = list(exercise.objectives.all())
    posted = request.POST if request.method == "POST" else None
    kind = request.POST.get("form") if posted else None
    blank = {
        "objective": forms.ObjectiveForm(prefix="objective"),
        "observation": forms.ObservationForm(exercise=exercise, prefix="observation"),
        "action": forms.ImprovementActionForm(exercise=exercise, prefix="action"),
    }
    bound = {
        "objective": lambda: forms.ObjectiveForm(posted, prefix="objective"),
        "observation": lambda: forms.ObservationForm(
            posted, exercise=exercise, prefix="observation"
        ),
        "action": lambda: forms.ImprovementActionForm(posted, exercise=exercise, prefix="action"),
    }
    ratings = [
        forms.RatingForm(
            posted if kind == f"rating-{o.pk}" else None, instance=o, prefix=f"rating-{o.pk}"
        )
        for o in objectives
    ]
    if kind in bound:
        form = bound[kind]()
        if form.is_valid():
            item = form.save(commit=False)
            item.exercise = exercise
            item.save()
            return redirect("exercises:evaluation", pk=pk)
        blank[kind] = form
    rating = next((r for r in ratings if r.is_bound), None)
    if rating and rating.is_valid():
        rating.save()
        return redirect("exercises:evaluation", pk=pk)
    context = {
        "exercise": exercise,
        "forms": blank,
        "ratings": ratings,
        "observations": exercise.observations.select_related("objective"),
        "actions": exercise.actions.select_related("observation"),
        "status_choices": ImprovementAction.Status.choices,
    }
    return render(request, "exercises/evaluation.html", context, status=400 if posted else 200)


@supervisor_required
@require_POST
def action_status(request, pk, action_id):
    """Track the improvement plan: move an action to in progress or done."""
    action = get_object_or_404(ImprovementAction, pk=action_id, exercise=pk)
    form = forms.ActionStatusForm(request.POST, instance=action)
    if form.is_valid():
        services.set_action_status(action, form.cleaned_data["status"])
    else:
        messages.error(request, "Choose open, in progress or done.")
    return redirect("exercises:evaluation", pk=pk)
