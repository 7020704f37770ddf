"""Web pages of the collection site: work queue, participants and orders."""

from django.urls import path

from specimens.views import audit, biobank, orders, queue, steps, tube, verify

urlpatterns = [
    path("bench/accession", biobank.accession, name="bench-accession"),
    path("bench/aliquot", biobank.aliquot, name="bench-aliquot"),
    path("bench/disposal", biobank.disposal, name="bench-disposal"),
    path("audit/events", audit.feed, name="audit-feed"),
    path("audit/events.csv", audit.feed_csv, name="audit-feed-csv"),
    path("audit/chains", verify.verify, name="verify-chains"),
    path("audit/chains/<uuid:public_id>", verify.verify_run, name="verify-chains-run"),
    path("tubes/<str:barcode>", tube.tube_page, name="tube"),
    path("tubes/<str:barcode>/custody.pdf", tube.tube_report, name="tube-report"),
    path(
        "participants/<str:biobank_id>/custody.pdf",
        tube.participant_report,
        name="participant-report",
    ),
    path("collect/", queue.work_queue, name="collect"),
    path("collect/participants/", queue.participants, name="participants"),
    path("collect/participants/<str:pid>", queue.participant, name="participant"),
    path("collect/participants/<str:pid>/new-order", orders.new_order, name="order-new"),
    path("collect/orders/<str:code>", orders.order_page, name="order"),
    path("collect/orders/<str:code>/labels", steps.labels, name="order-step-labels"),
    path("collect/orders/<str:code>/collect", steps.collect, name="order-step-collect"),
    path("collect/orders/<str:code>/process", steps.process, name="order-step-process"),
    path("collect/orders/<str:code>/finalize", orders.finalize, name="order-step-finalize"),
    path(
        "collect/orders/<str:code>/<str:action>",
        orders.order_reason_action,
        name="order-action",
    ),
]
