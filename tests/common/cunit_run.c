/* SPDX-License-Identifier: BSD-3-Clause */
/* CUnit runner shared by all test programs (see cunit_run.h). */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "cunit_run.h"

int
tc_run_registered(void)
{
	unsigned int failed;
	CU_ErrorCode err;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	err = CU_basic_run_tests();
	/* A suite whose init or cleanup failed is reported by CUnit as an
	 * error of the run and counted in its suites-failed figure below. */
	if (err != CUE_SUCCESS && err != CUE_SINIT_FAILED && err != CUE_SCLEAN_FAILED) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	if (CU_get_number_of_failures() != 0)
		CU_basic_show_failures(CU_get_failure_list());
	printf("\n");
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

int
tc_run_suites(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		return 2;
	}
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		fprintf(stderr, "CUnit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	return tc_run_registered();
}
