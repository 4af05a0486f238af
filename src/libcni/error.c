// SPDX-License-Identifier: Apache-2.0
/*
 * error.c - struct cni_error and its JSON form.
 */
#include <stdarg.h>
#include <stdio.h>

#include "basic/json-util.h"
#include "libcni/error.h"

int cni_error_set(struct cni_error *e, unsigned code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -EINVAL;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->details[0] = '\0';
	return -EINVAL;
}

int cni_error_set_details(struct cni_error *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void cni_error_clear(struct cni_error *e)
{
	if (!e)
		return;
	e->code = 0;
	e->msg[0] = '\0';
	e->details[0] = '\0';
}

json_t *cni_error_to_json(const struct cni_error *e, const char *cni_version)
{
	_cleanup_json_ json_t *j = json_object();

	/* Key order follows the reference's types.Error: cniVersion, code, msg, details. */
	if (!j)
		return NULL;
	if (json_object_set_new(j, "cniVersion", json_string(cni_version ? cni_version : "")) < 0 ||
	    json_object_set_new(j, "code", json_integer(e->code)) < 0 ||
	    json_object_set_new(j, "msg", json_string(e->msg)) < 0)
		return NULL;
	if (e->details[0] && json_object_set_new(j, "details", json_string(e->details)) < 0)
		return NULL;
	return TAKE_PTR(j);
}

int cni_error_from_json(const json_t *j, struct cni_error *ret)
{
	json_t *code;
	const char *msg, *details;

	if (!json_is_object(j))
		return -EINVAL;
	code = json_object_get(j, "code");
	if (!json_is_integer(code) || json_integer_value(code) < 0)
		return -EINVAL;
	msg = json_object_get_string(j, "msg");
	details = json_object_get_string(j, "details");
	ret->code = (unsigned)json_integer_value(code);
	snprintf(ret->msg, sizeof(ret->msg), "%s", msg ? msg : "");
	snprintf(ret->details, sizeof(ret->details), "%s", details ? details : "");
	return 0;
}
