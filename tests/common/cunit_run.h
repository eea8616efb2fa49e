/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one way every CUnit test program of this project runs its tests and
 * turns the result into an exit status (tests/common/).
 */
#ifndef MANA_TESTS_CUNIT_RUN_H
#define MANA_TESTS_CUNIT_RUN_H

#include <CUnit/CUnit.h>

/*
 * Run every suite in CUnit's registry in verbose mode (CUnit's run summary
 * on stdout), print the list of failures, then clean the registry up.
 * Returns the exit status for main(): 0 when everything passed, 1 when an
 * assertion, a test, or a suite's set-up or tear-down failed (a suite
 * whose init fails runs no test, and that counts as a failure), 2 when
 * CUnit itself failed (message on stderr).
 */
int tc_run_registered(void);

/*
 * Initialise CUnit's registry, register suites (an array ended by
 * CU_SUITE_INFO_NULL) and run them with tc_run_registered().  Returns what
 * tc_run_registered() returns, or 2 when the registry cannot be set up
 * (message on stderr).
 */
int tc_run_suites(CU_SuiteInfo *suites);

#endif /* MANA_TESTS_CUNIT_RUN_H */
