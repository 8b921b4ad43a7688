/*
 * validate.h: the field rules of the DIS API as one table, one validator per
 * field, run over a JSON body, a query string or a path segment before any
 * handler looks at the data.
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

struct field_use {
	enum field	 field;
	bool		 required;
};

#define NFIELDS(uses)		(sizeof(uses) / sizeof((uses)[0]))
#define PARAM_GIVEN(p, f)	(((p)->present & (1u << (f))) != 0)

bool	 validate_value(enum field, const char *text, struct params *,
	    struct response *);
bool	 validate_json(json_t *object, const struct field_use *, size_t,
	    struct params *, struct response *);
bool	 validate_query(const struct query_param *, size_t,
	    const struct field_use *, size_t, struct params *, struct response *);
const char *field_name(enum field);
/* The project id rule, for the credentials file. */
bool	 validate_is_project(const char *);

#endif
