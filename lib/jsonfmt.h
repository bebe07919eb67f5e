/*
 * jsonfmt — how rabench writes a double into JSON, for every writer (the report
 * and the probes' figures): the shortest text that reads back as the same
 * double, always with a '.' or an exponent; NaN and infinities are null.
 */
#ifndef RB_JSONFMT_H
#define RB_JSONFMT_H

#include <json-c/json.h>

json_object *jsonfmt__double(double v);

#endif
