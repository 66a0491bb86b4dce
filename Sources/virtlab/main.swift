import VirtlabCLI

await VirtlabMain.main()
