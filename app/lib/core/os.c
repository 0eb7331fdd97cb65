/*
 * os.c - files, folders, the service user and child processes (see pxt/os.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pxt/buf.h"
#include "pxt/os.h"

pxt_err
pxt_file_read(const char *path, size_t max, char **data, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	*data = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return pxt_seterr(PXT_ENOTFOUND, "%s: no such file", path);
		return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
		    "%s: cannot open: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return pxt_seterr(PXT_EIO, "%s: not a regular file", path);
	}
	if ((size_t)st.st_size > max) {
		close(fd);
		return pxt_seterr(PXT_ETOOLARGE, "%s: larger than %zu bytes", path, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return pxt_seterr(PXT_ENOMEM, "%s: out of memory", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*data = buf;
	*len = got;
	return PXT_OK;
}

pxt_err
pxt_file_write_atomic(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t off = 0;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    sizeof(tmp))
		return pxt_seterr(PXT_EINVAL, "%s: path too long", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return pxt_seterr(PXT_EIO, "%s: cannot create: %s", tmp, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pxt_seterr(PXT_EIO, "%s: write failed: %s", tmp, strerror(errno));
			close(fd);
			unlink(tmp);
			return PXT_EIO;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		pxt_seterr(PXT_EIO, "%s: cannot write: %s", path, strerror(errno));
		unlink(tmp);
		return PXT_EIO;
	}
	return PXT_OK;
}

const char *
pxt_user_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h == '/')
		return h;
	pw = getpwuid(geteuid());
	return pw != NULL ? pw->pw_dir : NULL;
}

char *
pxt_path_absolute(pxt_pool *pool, const char *path)
{
	char cwd[PATH_MAX], *out, *full;
	size_t n = 0;

	if (path[0] == '/') {
		full = pxt_pstrdup(pool, path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return NULL;
		full = pxt_psprintf(pool, "%s/%s", cwd, path);
	}
	if (full == NULL || (out = pxt_palloc(pool, strlen(full) + 2)) == NULL)
		return NULL;
	/* normalize segment by segment: skip "" and ".", pop on ".." */
	for (char *seg = full, *next; seg != NULL; seg = next) {
		size_t len;

		next = strchr(seg, '/');
		len = next ? (size_t)(next - seg) : strlen(seg);
		if (next != NULL)
			next++;
		if (len == 0 || (len == 1 && seg[0] == '.'))
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n > 0 && out[n - 1] != '/')
				n--;
			if (n > 0)
				n--;
			continue;
		}
		out[n++] = '/';
		memcpy(out + n, seg, len);
		n += len;
	}
	if (n == 0)
		out[n++] = '/';
	out[n] = '\0';
	return out;
}

pxt_err
pxt_mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(buf))
		return pxt_seterr(PXT_EINVAL, "'%s': bad folder path", path);
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return pxt_seterr(errno == EACCES ? PXT_EPERM : PXT_EIO,
				    "cannot create folder '%s': %s", buf, strerror(errno));
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	return PXT_OK;
}

pxt_err
pxt_service_user(uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		*uid = geteuid();
		*gid = getegid();
		return PXT_OK;
	}
	pw = getpwnam(PXT_SERVICE_USER);
	if (pw == NULL) {
		char *argv[] = {"/usr/sbin/useradd", "--system", "--user-group",
		    "--no-create-home", "--home-dir", "/nonexistent", "--shell",
		    "/usr/sbin/nologin", "--comment", "pxtc service user",
		    PXT_SERVICE_USER, NULL};
		pxt_err rc = pxt_run(argv, 0, 0, NULL, 60);

		/* a concurrent starter may have created it first: look again */
		pw = getpwnam(PXT_SERVICE_USER);
		if (pw == NULL)
			return pxt_seterr(rc ? rc : PXT_EIO, "cannot create the service "
			    "user '%s' (useradd failed): create it by hand with 'useradd "
			    "--system %s'", PXT_SERVICE_USER, PXT_SERVICE_USER);
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return PXT_OK;
}

static bool
pxt_can_enter(const struct stat *st, uid_t uid, gid_t gid)
{
	if (uid == 0)
		return true;
	if (st->st_uid == uid)
		return st->st_mode & S_IXUSR;
	if (st->st_gid == gid)
		return st->st_mode & S_IXGRP;
	return st->st_mode & S_IXOTH;
}

pxt_err
pxt_check_traversable(const char *path, uid_t uid, gid_t gid)
{
	char buf[PATH_MAX];
	struct passwd *pw = getpwuid(uid);
	char who[64];
	size_t len = strlen(path);

	/* copy: getpwuid's storage is reused by the next call */
	snprintf(who, sizeof(who), "%s", pw ? pw->pw_name : "the service user");
	if (len >= sizeof(buf))
		return pxt_seterr(PXT_EINVAL, "path too long: %s", path);
	memcpy(buf, path, len + 1);
	/* check each ancestor folder, from the root down */
	for (char *p = buf + 1; *p; p++) {
		struct stat st;

		if (*p != '/')
			continue;
		*p = '\0';
		if (stat(buf, &st) == 0 && !pxt_can_enter(&st, uid, gid)) {
			pw = getpwuid(st.st_uid);
			return pxt_seterr(PXT_EPERM, "PIXELTABLE_HOME '%s' lies inside "
			    "'%s' (mode %04o, owner %s), which user '%s' cannot enter: "
			    "set PIXELTABLE_HOME to a folder outside it (for example "
			    "/var/lib/pxtc) or run 'chmod o+x %s'", path, buf,
			    (unsigned)(st.st_mode & 07777), pw ? pw->pw_name : "?", who,
			    buf);
		}
		*p = '/';
	}
	return PXT_OK;
}

pxt_err
pxt_chown_path(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;

	if (geteuid() != 0)
		return PXT_OK;
	if (lstat(path, &st) != 0)
		return pxt_seterr(PXT_EIO, "%s: %s", path, strerror(errno));
	if (st.st_uid == uid && st.st_gid == gid)
		return PXT_OK;
	if (lchown(path, uid, gid) != 0)
		return pxt_seterr(PXT_EPERM, "cannot give '%s' to the service user: %s",
		    path, strerror(errno));
	return PXT_OK;
}

static void
pxt_child_exec(char *const argv[], uid_t uid, gid_t gid, const char *logpath)
{
	int fd;

	setsid();
	closefrom(STDERR_FILENO + 1);
	/* drop privileges first, so the log file is opened (and created) as the user */
	if (geteuid() == 0 && uid != 0) {
		if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(uid) != 0)
			_exit(126);
	}
	if (chdir("/") != 0)
		_exit(126);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (logpath != NULL) {
		fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0)
			_exit(125);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	execv(argv[0], argv);
	_exit(127);
}

pxt_err
pxt_run(char *const argv[], uid_t uid, gid_t gid, const char *logpath, int timeout_s)
{
	long long deadline = timeout_s > 0 ? pxt_now_ms() + timeout_s * 1000LL : 0;
	int status;
	pid_t pid, r;

	pid = fork();
	if (pid < 0)
		return pxt_seterr(PXT_EIO, "cannot start %s: %s", argv[0], strerror(errno));
	if (pid == 0)
		pxt_child_exec(argv, uid, gid, logpath);
	for (;;) {
		r = waitpid(pid, &status, deadline ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return pxt_seterr(PXT_EIO, "waiting for %s: %s", argv[0],
			    strerror(errno));
		if (deadline && pxt_now_ms() > deadline) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return pxt_seterr(PXT_ETIMEOUT, "%s did not finish within %d s",
			    argv[0], timeout_s);
		}
		if (r == 0)
			pxt_sleep_ms(20);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return PXT_OK;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return pxt_seterr(PXT_EIO, "cannot run %s: not found or not executable",
		    argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125)
		return pxt_seterr(PXT_EPERM, "cannot open the log '%s' to run %s",
		    logpath ? logpath : "", argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 126)
		return pxt_seterr(PXT_EPERM, "cannot switch to the service user to run %s",
		    argv[0]);
	if (WIFEXITED(status))
		return pxt_seterr(PXT_EIO, "%s exited with status %d%s%s", argv[0],
		    WEXITSTATUS(status), logpath ? ": see " : "", logpath ? logpath : "");
	return pxt_seterr(PXT_EIO, "%s was killed by signal %d", argv[0],
	    WTERMSIG(status));
}

void
pxt_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

long long
pxt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
