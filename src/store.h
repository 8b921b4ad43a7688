/*
 * store.h: the only way into the database. A narrow API: apply a batch of
 * writes in one transaction, and a few reads. Every key starts with the
 * project, so no call can reach another project's rows.
 */
#ifndef DIS_STORE_H
#define DIS_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "errors.h"

struct store;

struct store_options {
	const char	*path;
	bool		 sync_full;	/* synchronous=FULL, else NORMAL */
	const char	*journal_mode;	/* "WAL" unless the disk cannot */
	int		 busy_timeout_ms;
};

/* Names one checkpoint, or with partition -1 every partition of a stream. */
struct checkpoint_key {
	const char	*project;
	const char	*app;
	const char	*stream;
	const char	*type;
	long long	 partition;
};

enum write_kind {
	WRITE_COMMIT_CHECKPOINT,
	WRITE_DELETE_CHECKPOINTS,
	WRITE_CREATE_APP,
	WRITE_DELETE_APP
};

/* One state change; apps use key.project and key.app only. */
struct write_op {
	enum write_kind		 kind;
	struct checkpoint_key	 key;
	long long		 sequence;
	const char		*metadata;
	const char		*app_id;
	long long		 create_time;
	int			 app_quota;
	int			 stream_limit;	/* per app; 0: no bound */
	enum dis_err		 result;	/* set once committed */
};

struct app_info {
	const char	*name;
	const char	*app_id;
	long long	 create_time;
	const char	**streams;	/* sorted; those holding a checkpoint */
	size_t		 nstreams;
};

typedef int store_app_fn(void *arg, const struct app_info *);
typedef int store_state_fn(void *arg, long long partition, long long sequence);

struct store	*store_open(const struct store_options *);
void		 store_close(struct store *);
enum dis_err	 store_apply(struct store *, struct write_op **, size_t);
enum dis_err	 store_get_checkpoint(struct store *, const struct checkpoint_key *,
		    long long *sequence, char **metadata);
enum dis_err	 store_get_app(struct store *, const char *project,
		    const char *app, store_app_fn *, void *);
enum dis_err	 store_list_apps(struct store *, const char *project,
		    const char *stream, const char *start_after, int limit,
		    store_app_fn *, void *, long long *total, bool *has_more);
enum dis_err	 store_partition_states(struct store *,
		    const struct checkpoint_key *, int limit, store_state_fn *,
		    void *, bool *has_more);
enum dis_err	 store_check_writable(struct store *);

#endif
