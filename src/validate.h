/*
 * validate.h: the field rules of the DIS API as one table, one validator per
 * field, and the fields each endpoint takes as another, run over a JSON
 * body, a query string or a path segment before any handler looks at the
 * data.
 */
#ifndef DIS_VALIDATE_H
#define DIS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "request.h"
#include "response.h"

enum field {
	FIELD_PROJECT,
	FIELD_STREAM,
	FIELD_APP,
	FIELD_PARTITION,
	FIELD_SEQUENCE,
	FIELD_METADATA,
	FIELD_CHECKPOINT_TYPE,
	FIELD_START_APP,
	FIELD_START_PARTITION,
	FIELD_APP_LIMIT,
	FIELD_STATE_LIMIT,
	FIELD__COUNT
};

/*
 * Validated values. Strings point into the request, its query or its
 * parsed body, and live as long as those.
 */
struct params {
	const char	*project;
	const char	*stream;
	const char	*app;
	const char	*metadata;
	const char	*checkpoint_type;
	const char	*start_app;
	long long	 partition;
	long long	 start_partition;
	long long	 sequence;
	int		 limit;
	unsigned	 present;	/* bit (1u << field) per field given */
};

/* What an endpoint reads from its body or query string. */
enum field_set {
	FIELDS_ADD_CHECKPOINT,		/* body */
	FIELDS_QUERY_CHECKPOINT,	/* query */
	FIELDS_DELETE_CHECKPOINT,	/* query */
	FIELDS_CREATE_APP,		/* body */
	FIELDS_LIST_APPS,		/* query */
	FIELDS_CONSUMPTION_STATE,	/* query */
	FIELD_SET__COUNT
};

#define PARAM_GIVEN(p, f)	(((p)->present & (1u << (f))) != 0)

/*
 * Each checks its input against the rules and stores what is valid in the
 * params; false (with the error, naming the field, in the response) at
 * the first field that fails, in the order of the set (api.md's).
 */
bool	 validate_value(enum field, const char *text, struct params *,
	    struct response *);
bool	 validate_json(json_t *object, enum field_set, struct params *,
	    struct response *);
bool	 validate_query(const struct query_param *, size_t, enum field_set,
	    struct params *, struct response *);
/* The field's name in bodies and queries; static. */
const char *field_name(enum field);

#endif
