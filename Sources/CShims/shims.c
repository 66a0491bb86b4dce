#include "CShims.h"
#include <termios.h>
#include <string.h>

WINDOW *vl_stdscr(void) { return stdscr; }
int vl_lines(void) { return LINES; }
int vl_cols(void) { return COLS; }
int vl_colors(void) { return COLORS; }
int vl_color_pairs(void) { return COLOR_PAIRS; }
void vl_getmaxyx(WINDOW *win, int *rows, int *cols) { getmaxyx(win, *rows, *cols); }
int vl_key_f(int n) { return KEY_F(n); }
attr_t vl_color_pair(int pair) { return COLOR_PAIR(pair); }
attr_t vl_attr_normal(void) { return A_NORMAL; }
attr_t vl_attr_bold(void) { return A_BOLD; }
attr_t vl_attr_dim(void) { return A_DIM; }
attr_t vl_attr_underline(void) { return A_UNDERLINE; }
attr_t vl_attr_reverse(void) { return A_REVERSE; }
attr_t vl_attr_italic(void) { return A_ITALIC; }
chtype vl_acs(char which) { return NCURSES_ACS(which); }
int vl_set_style(WINDOW *win, attr_t attrs, int pair) { return wattr_set(win, attrs, (short)pair, NULL); }

int vl_termios_size(void) { return (int)sizeof(struct termios); }

int vl_tty_raw(int fd, void *saved, int saved_size) {
    struct termios mode;
    if (saved_size < (int)sizeof(struct termios) || tcgetattr(fd, &mode) != 0) return -1;
    memcpy(saved, &mode, sizeof mode);
    cfmakeraw(&mode);
    return tcsetattr(fd, TCSANOW, &mode);
}

int vl_tty_restore(int fd, const void *saved, int saved_size) {
    struct termios mode;
    if (saved_size < (int)sizeof(struct termios)) return -1;
    memcpy(&mode, saved, sizeof mode);
    return tcsetattr(fd, TCSANOW, &mode);
}
