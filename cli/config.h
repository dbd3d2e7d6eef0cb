/*
 * config.h - signpost.conf, the operator's one file of settings for
 * `signpost serve` and `signpost crawl` (docs/operations.md documents it
 * key by key; signpost.conf(5) likewise).  Flags override it.
 *
 * Also the small pieces of running as a service that the commands share:
 * the log file reopened on SIGHUP, and readiness notification to systemd.
 */
#ifndef CLI_CONFIG_H
#define CLI_CONFIG_H

#include <stdbool.h>

#include "sd.h"
#include "sp.h"

#define CONFIG_DEFAULT_PATH "/etc/signpost/signpost.conf"

typedef enum config_log { CONFIG_LOG_UNSET, CONFIG_LOG_OFF, CONFIG_LOG_TEXT, CONFIG_LOG_JSON } config_log;
typedef enum config_bool { CONFIG_UNSET, CONFIG_NO, CONFIG_YES } config_bool;

#define CONFIG_MAX_RANGES 16

/* Every string is owned by the config (NULL when the key is absent); the
 * numbers are 0 when absent. */
typedef struct config {
    char *path;
    char *store; /* top level: both commands use it */
    /* [serve] */
    char *listen, *web, *public_url, *trusted_proxies, *log_file;
    long threads, max_connections, timeout, per_client, head_timeout, write_limit;
    config_log access_log;
    config_bool hub_public, secure_cookies;
    char *metrics_allow; /* as written: ranges separated by commas or spaces */
    const char *metrics_ranges[CONFIG_MAX_RANGES]; /* split copies, owned */
    size_t n_metrics_ranges;
    char *replica_of, *writer_url, *replication_listen; /* docs/scale-out.md */
    long replica_max_lag;
    /* [crawl] */
    char *sources, *crawl_log_file;
} config;

/* Parse the text of a config file (name is used in messages as
 * "NAME:LINE: ...").  Every problem found is appended to problems (one line
 * each, when problems is non-NULL); the first is in err.  *out is owned by
 * the caller (config_free). */
int config_parse(const char *text, size_t len, const char *name, config **out,
                 sp_buf *problems, sp_err *err);
/* Read and parse a file. */
int config_load(const char *path, config **out, sp_buf *problems, sp_err *err);
void config_free(config *c);

/* The config a command should read: explicit (--config, must exist), else
 * CONFIG_DEFAULT_PATH when it exists, else none (*out NULL, SP_OK). */
int config_find(const char *explicit_path, config **out, sp_err *err);

/* Fill the searchd options flags left unset (NULL or 0) from c (NULL is
 * fine).  Strings point into c. */
void config_serve_opts(const config *c, sd_opts *o);

/* Point stderr at path (appending, created 0640 if missing): the daemon's
 * log, reopened after logrotate moved it (SIGHUP).  NULL: leave stderr. */
int config_open_log(const char *path, sp_err *err);

/* Tell systemd (or whatever listens on $NOTIFY_SOCKET) about our state:
 * "READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...".  Does nothing
 * without NOTIFY_SOCKET; failures are ignored (the service still runs). */
void config_notify(const char *state);

/* `signpost config check [FILE]`. */
int cmd_config(int argc, char **argv);

#endif
