/* The floor for `make bench`: one bare virConnectGetAllDomainStats per refresh, with the stats groups the
 * dashboard asks for, on the same connection URI. Prints the CPU milliseconds one call costs this process.
 * With INTERVAL_MS the calls are that far apart, as the dashboard's are (caches go cold in between, which
 * back-to-back calls never see); the CPU is still only that of the calls. */
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double cpu_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: stats-floor URI ROUNDS [INTERVAL_MS]\n"); return 2; }
    int interval_ms = argc > 3 ? atoi(argv[3]) : 0;
    virConnectPtr conn = virConnectOpenReadOnly(argv[1]);
    if (!conn) return 1;
    unsigned groups = VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |
                      VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK;
    int rounds = atoi(argv[2]), domains = 0;
    virDomainStatsRecordPtr *records = NULL;
    domains = virConnectGetAllDomainStats(conn, groups, &records, 0);  /* warm-up, as the dashboard's first */
    virDomainStatsRecordListFree(records);
    double start = cpu_seconds();
    for (int i = 0; i < rounds; i++) {
        if (interval_ms > 0) usleep(interval_ms * 1000);
        if (virConnectGetAllDomainStats(conn, groups, &records, 0) < 0) return 1;
        virDomainStatsRecordListFree(records);
    }
    printf("{\"domains\": %d, \"cpu_ms_per_call\": %.4f}\n", domains, (cpu_seconds() - start) / rounds * 1000);
    virConnectClose(conn);
    return 0;
}
