/*
 * store_backend.h: what a database backend gives store.c, which chooses
 * one per struct store and alone decides what a batch's outcome means.
 * Private to src/store*.c: nothing above the store knows which backend runs.
 */
#ifndef DIS_STORE_BACKEND_H
#define DIS_STORE_BACKEND_H

#include "store.h"

/*
 * What became of one op of a batch. Only an applied op answers DIS_OK, and
 * only once the whole transaction has committed.
 */
enum op_outcome {
	OP_APPLIED,	/* its changes stay in the transaction */
	OP_REFUSED,	/* its DIS answer is set (app exists, quota...), its
			   changes undone */
	OP_FAILED,	/* its result is a database error; its changes undone
			   alone: the batch goes on */
	OP_BATCH_LOST	/* the transaction is gone and rolled back, nothing of
			   it stays; the backend has logged why */
};

/*
 * Who a transaction's changes are recorded as in the history; the API's
 * batches have none (origin "api", no operation).
 */
struct change {
	enum change_origin	 origin;
	const char		*operation;	/* the run's id */
	bool			 write;		/* else a read snapshot only */
};

/*
 * One backend. Each function gets the handle its open returned; the read
 * functions keep the contracts of their store.h namesakes, and inside a
 * transaction begin opened they run in it.
 */
struct store_backend {
	const char	*name;		/* as store_kind says */
	/* As store_describe. */
	void		 (*describe)(const char *database, char *buf,
			    size_t len);
	/* A handle for one thread; NULL only when memory ran out. */
	void		*(*open)(const struct store_options *);
	void		 (*close)(void *);
	/*
	 * Connects when needed and opens the batch's write transaction, or
	 * for change, its transaction: a read snapshot unless change->write.
	 * Every change it makes is dated by the wall clock at its begin.
	 */
	enum dis_err	 (*begin)(void *, const struct change *change);
	/*
	 * In change's transaction: DIS_ERR_APP_NOT_FOUND unless the app
	 * exists, and in a write, no other writer changes it until the end.
	 */
	enum dis_err	 (*hold_app)(void *, const char *project,
			    const char *app);
	/*
	 * In change's write transaction: records it as one operation on
	 * key's stream and type when it changed a checkpoint there.
	 */
	enum dis_err	 (*record_operation)(void *,
			    const struct checkpoint_key *key,
			    const struct change *change);
	/*
	 * Runs op in a savepoint of that transaction and sets op->result
	 * unless it was applied; on OP_BATCH_LOST *lost is the batch's error.
	 */
	enum op_outcome	 (*apply)(void *, struct write_op *op,
			    enum dis_err *lost);
	/* DIS_OK only when the transaction is durably committed. */
	enum dis_err	 (*commit)(void *);
	/* Undoes the open transaction, all of it. */
	void		 (*rollback)(void *);
	enum dis_err	 (*get_checkpoint)(void *, const struct checkpoint_key *,
			    long long *sequence, char **metadata);
	enum dis_err	 (*get_app)(void *, const char *project,
			    const char *app, store_app_fn *, void *);
	enum dis_err	 (*list_apps)(void *, const char *project,
			    const char *stream, const char *start_after,
			    int limit, store_app_fn *, void *, long long *total,
			    bool *has_more);
	enum dis_err	 (*partition_states)(void *,
			    const struct checkpoint_key *, int limit,
			    store_state_fn *, void *, bool *has_more);
	enum dis_err	 (*check_writable)(void *);
	enum dis_err	 (*list_projects)(void *, store_name_fn *, void *);
	enum dis_err	 (*list_checkpoints)(void *, const char *project,
			    const char *app, const char *stream,
			    store_row_fn *, void *);
	enum dis_err	 (*check)(void *, struct store_report *);
	enum dis_err	 (*backup)(void *, const char *path, char *err,
			    size_t errlen);
	enum dis_err	 (*history)(void *, const struct checkpoint_key *,
			    const char *operation, store_history_fn *, void *);
	enum dis_err	 (*last_operation)(void *,
			    const struct checkpoint_key *,
			    struct store_operation *);
};

/* The wall clock a write records as its checkpoint's last change, in ms. */
long long	 store_wall_ms(void);

/* The backends, one file each. */
extern const struct store_backend store_sqlite;
extern const struct store_backend store_pg;

/*
 * A growing list of stream names, for building an app_info. names_add
 * copies name and returns -1 when memory ran out; names_free frees every
 * copy and empties the list.
 */
struct store_names {
	char	**v;
	size_t	 n;
};

int	 names_add(struct store_names *, const char *name);
void	 names_free(struct store_names *);

#endif
