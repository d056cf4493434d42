import './ui/ragtab-app';
