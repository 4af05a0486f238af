// SPDX-License-Identifier: Apache-2.0
/*
 * metrics.c - the Prometheus text exposition of linend's daemon: its own numbers from
 * daemon_get_stats(), then what the lease store and the backend add, then the
 * event-to-program histogram. Metric names and labels are an interface (dashboards, the
 * integration tests): keep them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "basic/macro.h"
#include "linend/daemon.h"

int daemon_metrics(const struct daemon *d, char **ret)
{
	struct daemon_stats s;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	daemon_get_stats(d, &s);
	f = open_memstream(&text, &len);
	if (!f)
		return -ENOMEM;
	fprintf(f,
		"# HELP linend_lease_held 1 while this node holds its subnet lease.\n"
		"# TYPE linend_lease_held gauge\n"
		"linend_lease_held{subnet=\"%s\",reservation=\"%s\"} %d\n"
		"# HELP linend_lease_expiry_seconds Seconds until our lease expires (0: none).\n"
		"# TYPE linend_lease_expiry_seconds gauge\n"
		"linend_lease_expiry_seconds %" PRId64 "\n"
		"# HELP linend_lease_renew_in_seconds Seconds until we renew it (TTL minus "
		"--subnet-lease-renew-margin).\n"
		"# TYPE linend_lease_renew_in_seconds gauge\n"
		"linend_lease_renew_in_seconds %" PRId64 "\n",
		s.own_key, s.reservation ? "true" : "false", s.held, s.expiry_in, s.renew_in);
	fprintf(f,
		"# TYPE linend_lease_acquisitions_total counter\n"
		"linend_lease_acquisitions_total %" PRIu64 "\n"
		"# TYPE linend_lease_renewals_total counter\n"
		"linend_lease_renewals_total %" PRIu64 "\n"
		"# TYPE linend_lease_renew_errors_total counter\n"
		"linend_lease_renew_errors_total %" PRIu64 "\n"
		"# TYPE linend_lease_lost_total counter\n"
		"linend_lease_lost_total %" PRIu64 "\n"
		"# TYPE linend_lease_races_lost_total counter\n"
		"linend_lease_races_lost_total %" PRIu64 "\n"
		"# HELP linend_stale_lease_delete_errors_total Failed deletes of our own lease "
		"that no longer fits the config.\n"
		"# TYPE linend_stale_lease_delete_errors_total counter\n"
		"linend_stale_lease_delete_errors_total %" PRIu64 "\n",
		s.acquisitions, s.renewals, s.renew_errors, s.lease_lost, s.races_lost,
		s.stale_delete_errors);
	fprintf(f,
		"# HELP linend_remote_leases Remote leases in the cache.\n"
		"# TYPE linend_remote_leases gauge\n"
		"linend_remote_leases %zu\n"
		"# HELP linend_garbage_leases Keys under subnets/ that are not valid leases.\n"
		"# TYPE linend_garbage_leases gauge\n"
		"linend_garbage_leases %zu\n"
		"# TYPE linend_garbage_leases_total counter\n"
		"linend_garbage_leases_total %" PRIu64 "\n"
		"# TYPE linend_backend_events_total counter\n"
		"linend_backend_events_total{event=\"added\"} %" PRIu64 "\n"
		"linend_backend_events_total{event=\"removed\"} %" PRIu64 "\n"
		"# TYPE linend_backend_errors_total counter\n"
		"linend_backend_errors_total %" PRIu64 "\n",
		s.remote, s.garbage, s.garbage_total, s.events_added, s.events_removed,
		s.backend_errors);
	fprintf(f,
		"# TYPE linend_watch_reconnects_total counter\n"
		"linend_watch_reconnects_total %" PRIu64 "\n"
		"# TYPE linend_watch_resumes_total counter\n"
		"linend_watch_resumes_total %" PRIu64 "\n"
		"# TYPE linend_watch_compactions_total counter\n"
		"linend_watch_compactions_total %" PRIu64 "\n"
		"# TYPE linend_config_refused_total counter\n"
		"linend_config_refused_total %" PRIu64 "\n"
		"# TYPE linend_loop_wakeups_total counter\n"
		"linend_loop_wakeups_total %" PRIu64 "\n",
		s.watch_reconnects, s.watch_resumes, s.compactions, s.config_refused, s.wakeups);
	daemon_metrics_extra(d, f);
	fprintf(f, "# HELP linend_event_to_program_seconds From a watch event's arrival to the "
		"backend call's return.\n"
		"# TYPE linend_event_to_program_seconds histogram\n");
	for (size_t i = 0; i < DAEMON_LATENCY_BUCKETS; i++)
		fprintf(f, "linend_event_to_program_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
			daemon_latency_buckets[i], s.lat_buckets[i]);
	fprintf(f, "linend_event_to_program_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
		s.lat_count);
	fprintf(f, "linend_event_to_program_seconds_sum %.9f\n", s.lat_sum);
	fprintf(f, "linend_event_to_program_seconds_count %" PRIu64 "\n", s.lat_count);
	if (fclose(f) != 0 || !text) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}
