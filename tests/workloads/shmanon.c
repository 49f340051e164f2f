/* Shared anonymous memory: 1 MiB MAP_SHARED|MAP_ANONYMOUS shared by the
 * parent and two children.  Only the first child writes page 5 (bytes
 * 0x45), only the parent page 7 (0x47); the second child writes page 9
 * (0x49) and then unmaps the whole region, so no task's page table holds
 * page 9 any more.  Plus 64 KiB of a shared /dev/zero mapping whose page 3
 * the parent wrote (0x33), and a shared memfd mapping of 16 KiB whose page
 * 1 the parent wrote through the mapping (0x6d) and page 2 only with
 * write(2) (0x6e), sealed against shrinking and growing, its descriptor
 * closed. */
#include "config.h"

#include <fcntl.h>
#include <sys/mman.h>

#include "workload.h"

#define PAGE 4096u

int main(int argc, char **argv)
{
	FILE *ready = workload_open(argc, argv);
	int go[2];
	char c = 0, buf[PAGE];
	uint8_t *shm = mmap(NULL, 1u << 20, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
	uint8_t *dz = zero < 0 ? MAP_FAILED : mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0);
	int mfd = memfd_create("ckptshm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	pid_t first, second;

	if (shm == MAP_FAILED || dz == MAP_FAILED || mfd < 0 || pipe(go) < 0)
		return 1;
	close(zero);
	if (ftruncate(mfd, 4 * PAGE) < 0)
		return 1;
	uint8_t *mf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);

	if (mf == MAP_FAILED)
		return 1;
	memset(buf, 0x6e, sizeof(buf));
	if (pwrite(mfd, buf, PAGE, 2 * PAGE) != PAGE ||
	    fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) < 0)
		return 1;
	close(mfd);
	first = fork();
	if (first == 0) {
		memset(shm + 5 * PAGE, 0x45, PAGE);
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		workload_idle();
	}
	second = fork();
	if (second == 0) {
		memset(shm + 9 * PAGE, 0x49, PAGE);
		munmap(shm, 1u << 20);
		if (write(go[1], &c, 1) != 1)
			_exit(1);
		workload_idle();
	}
	if (first < 0 || second < 0 || read(go[0], &c, 1) != 1 || read(go[0], &c, 1) != 1)
		return 1;
	memset(shm + 7 * PAGE, 0x47, PAGE);
	memset(dz + 3 * PAGE, 0x33, PAGE);
	memset(mf + 1 * PAGE, 0x6d, PAGE);
	workload_ready(ready, "addr=%#llx\ndevzero=%#llx\nmemfd=%#llx\nfirst=%d\nsecond=%d\n",
		       (unsigned long long)(uintptr_t)shm, (unsigned long long)(uintptr_t)dz,
		       (unsigned long long)(uintptr_t)mf, (int)first, (int)second);
	workload_idle();
}
