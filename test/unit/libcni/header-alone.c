// SPDX-License-Identifier: Apache-2.0
/*
 * The public header compiles on its own: nothing but include/ on the path, strict C99, every
 * warning an error (built, not run: a header that needs more fails the build).
 */
#include <cni/libcni.h>

int libcni_header_alone(void);
int libcni_header_alone(void)
{
	return 0;
}
