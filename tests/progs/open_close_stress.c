// SPDX-License-Identifier: GPL-2.0
/*
 * open_close_stress: N processes open() and close() a uverbs char device
 * in a loop while another agent adds and deletes the device.
 *
 * usage: open_close_stress PATH NPROC MAX_SECONDS [STOPFILE]
 *
 * The processes stop after MAX_SECONDS, or as soon as STOPFILE exists.
 *
 * Every open must either succeed (and its close succeed) or fail with one
 * of the errnos a disappearing device can give:
 *   ENODEV  ib_core_lite refused: the device is being removed
 *   ENOENT  devtmpfs removed the node already
 *   ENXIO   the node is still there but its cdev is gone (VFS)
 * Any other errno, a failed close, or a process that does not finish in
 * time fails the run. Prints one line of counts and exits 0 on success.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { C_OK, C_ENODEV, C_ENOENT, C_ENXIO, C_OTHER, C_CLOSE_FAIL, C_MAX };

static const char *const names[C_MAX] = {
	"ok", "ENODEV", "ENOENT", "ENXIO", "other", "close_fail",
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void child(const char *path, double seconds, const char *stopfile,
		  long *counts)
{
	double end = now() + seconds;
	unsigned long n;

	for (n = 0; now() < end; n++) {
		int fd;

		if (stopfile && !(n % 64) && !access(stopfile, F_OK))
			break;
		fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd >= 0) {
			counts[C_OK]++;
			if (close(fd)) {
				counts[C_CLOSE_FAIL]++;
				fprintf(stderr, "close: %s\n", strerror(errno));
			}
			continue;
		}
		switch (errno) {
		case ENODEV:
			counts[C_ENODEV]++;
			break;
		case ENOENT:
			counts[C_ENOENT]++;
			break;
		case ENXIO:
			counts[C_ENXIO]++;
			break;
		default:
			counts[C_OTHER]++;
			fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		}
	}
}

int main(int argc, char **argv)
{
	long (*counts)[C_MAX], total[C_MAX] = { 0 };
	int nproc, i, c, failed = 0;
	double seconds;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: %s PATH NPROC MAX_SECONDS [STOPFILE]\n",
			argv[0]);
		return 2;
	}
	nproc = atoi(argv[2]);
	seconds = atof(argv[3]);
	if (nproc < 1 || nproc > 64 || seconds <= 0) {
		fprintf(stderr, "bad NPROC or SECONDS\n");
		return 2;
	}

	counts = mmap(NULL, sizeof(*counts) * nproc, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (counts == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(counts, 0, sizeof(*counts) * nproc);

	for (i = 0; i < nproc; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (!pid) {
			/* A hung open/close kills the child: counted below. */
			alarm((unsigned int)seconds + 60);
			child(argv[1], seconds, argc == 5 ? argv[4] : NULL,
			      counts[i]);
			_exit(0);
		}
	}
	for (i = 0; i < nproc; i++) {
		int status;

		if (wait(&status) < 0) {
			perror("wait");
			return 1;
		}
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			fprintf(stderr, "child failed (status 0x%x)\n", status);
			failed = 1;
		}
	}
	for (i = 0; i < nproc; i++)
		for (c = 0; c < C_MAX; c++)
			total[c] += counts[i][c];

	for (c = 0; c < C_MAX; c++)
		printf("%s%s=%ld", c ? " " : "", names[c], total[c]);
	printf("\n");

	if (total[C_OTHER] || total[C_CLOSE_FAIL])
		failed = 1;
	return failed;
}
