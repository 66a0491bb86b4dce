#include "CShims.h"

WINDOW *vl_stdscr(void) { return stdscr; }
int vl_lines(void) { return LINES; }
int vl_cols(void) { return COLS; }
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
