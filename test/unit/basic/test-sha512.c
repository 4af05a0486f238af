// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "basic/sha512.h"

static void test_vectors(void **state)
{
	char hex[2 * SHA512_DIGEST_SIZE + 1];
	char big[1000];

	assert_string_equal(sha512_hex("", 0, 64, hex),
		"cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
		"47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e");
	assert_string_equal(sha512_hex("abc", 3, 64, hex),
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
		"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	/* 112 bytes: the padding spills into a second block. */
	const char *two = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			  "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	assert_string_equal(sha512_hex(two, strlen(two), 64, hex),
		"8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
		"501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
	memset(big, 'a', sizeof(big));
	assert_string_equal(sha512_hex(big, sizeof(big), 4, hex), "67ba5535");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
