import VirtlabCLI

VirtlabMain.main()
